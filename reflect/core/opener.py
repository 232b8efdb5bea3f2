"""The one way to open a practice: every front end, the demo, the benchmarks and the tests call
``open_practice``. It resolves the data directory, applies the offline hardening, loads settings
(``config.toml``, environment, overrides), builds the components (or takes the fakes given), takes the
single-writer lock or opens read-only, and unlocks the store; a fresh directory is set up on first use.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from reflect.core import hardening
from reflect.core.components import Components
from reflect.core.crypto import KdfParams
from reflect.core.errors import InputError
from reflect.core.practice import Practice
from reflect.core.store import Store
from reflect.paths import DataPaths, default_data_dir
from reflect.settings import PassphraseSource, Settings

__all__ = ["Components", "KdfParams", "OpenMode", "data_paths", "open_practice"]

OpenMode = Literal["write", "read", "preview"]
"""``write``: the one writer (takes the lock); ``read``: no lock, never writes, works while the app is
open; ``preview``: no store at all, for a redaction preview that needs only the gate."""


def data_paths(data_dir: Path | None = None) -> DataPaths:
    return DataPaths((data_dir or default_data_dir()).expanduser().resolve())


def open_practice(
    data_dir: Path | None = None,
    *,
    settings: Settings | None = None,
    passphrase: PassphraseSource = None,
    mode: OpenMode = "write",
    components: Components | None = None,
    kdf: KdfParams | None = None,
    check_servers: bool = True,
) -> Practice:
    """Open a practice and unlock it.

    ``passphrase`` is the passphrase, or a callable asked for it (``new=True`` when a practice is being
    created), or None for ``REFLECT_PASSPHRASE``. ``components`` are the engines (fakes in tests);
    left out, the real ones are built lazily from the settings. ``check_servers`` refuses a writer
    whose model or index server address the policy does not allow (``reflect doctor`` reports it instead).
    """
    from reflect.core import backup

    paths = data_paths(data_dir)
    # A reader needs a store that exists, is current and has keys; otherwise it opens as a writer once,
    # which sets the practice up (first use) or brings an older store forward.
    read_only = mode == "read" and Store.ready_for_readers(paths.db) and not backup.pending(paths)
    if not read_only:
        try:
            paths.ensure()
        except OSError as exc:
            raise InputError(f"data directory {paths.root} cannot be used: {exc.strerror}") from None
    hardening.apply(str(paths.cache))
    settings = settings or Settings.load(paths.config)
    components = components.with_settings(settings) if components is not None else Components.from_settings(settings)
    if mode == "write" and check_servers:
        components.check_servers()  # a refused server address: one line, before anything is opened or stored
    practice = Practice(paths, settings, components, read_only=read_only)
    if mode == "preview":
        return practice
    try:
        practice.acquire()
    except BaseException:
        practice.close()
        raise
    try:
        practice.unlock(passphrase, kdf)
    except BaseException:
        created = practice.created_store
        practice.close()
        if created:  # nothing of a practice that never got a passphrase is left behind
            for leftover in (paths.db, paths.db.with_name(paths.db.name + "-wal"), paths.db.with_name(paths.db.name + "-shm")):
                leftover.unlink(missing_ok=True)
        raise
    return practice
