"""One coaching practice (a data directory), open in this process: its lifecycle and its services.

``Practice`` keeps the single-writer lock, unlocks the store with the passphrase, and hands out the
services, one per concern:

- ``roster``: clients, the people around them, each client's map, and ``Reidentifier`` (real names
  back, for the coach's screen only);
- ``notes``: add (all or nothing, fail closed), edit, delete, re-date, preview the redaction;
- ``insight``: search, themes, questions, the prep brief and the follow-up;
- ``commitments``: what the client agreed to do, and whether it happened;
- ``goals``: why the client came (the engagement's goals), and the progress the sessions show on them;
- ``upkeep``: audit, forget, reindex, doctor.

The pipeline: note -> redaction gate -> store (original + redacted, map) -> chunks -> embeddings ->
client index. Only the gate's output reaches the embedder, the index and the model (checked again at
each hand-off against the client's current map), and every prompt is recorded before it is sent.
Open one with ``reflect.core.opener.open_practice``. Logs carry ids, counts and timings, never text.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from reflect.core.components import Components
from reflect.core.crypto import KdfParams
from reflect.core.domain import Redaction
from reflect.core.errors import PassphraseError, StoreInUseError
from reflect.core.redaction.gate import PseudonymMap
from reflect.core.services.commitments import Commitments
from reflect.core.services.context import Context
from reflect.core.services.goals import Goals
from reflect.core.services.insight import Insight
from reflect.core.services.notes import Notes
from reflect.core.services.reredaction import Reredactor
from reflect.core.services.roster import Roster
from reflect.core.services.upkeep import Upkeep
from reflect.core.store import Store
from reflect.paths import DataPaths
from reflect.settings import PassphraseSource, Settings, resolve_passphrase

if TYPE_CHECKING:
    from filelock import BaseFileLock

log = logging.getLogger(__name__)

LOCK_TIMEOUT_S = 1.5


def acquire_lock(paths: DataPaths) -> BaseFileLock:
    """The cross-process single-writer lock of a data directory, or a clear error within 1.5 s.
    The OS releases it when the holder dies, so a crashed process never leaves it stuck."""
    from filelock import FileLock, Timeout

    lock = FileLock(str(paths.lock), timeout=LOCK_TIMEOUT_S, mode=0o600)
    try:
        lock.acquire()
    except Timeout:
        raise StoreInUseError(
            f"data directory {paths.root} is in use by another reflect process; close it and try again"
        ) from None
    return lock


class Practice:
    """One data directory, opened by one writer at a time (readers take no lock)."""

    roster: Roster
    notes: Notes
    insight: Insight
    commitments: Commitments
    goals: Goals
    upkeep: Upkeep

    def __init__(self, paths: DataPaths, settings: Settings, components: Components, *, read_only: bool = False) -> None:
        self.paths = paths
        self.settings = settings
        self.components = components
        self.read_only = read_only
        self.store: Store | None = None
        self._lock: BaseFileLock | None = None
        self._ctx: Context | None = None
        self.created_store = False
        """True when this process created the store file (only it may remove it again)."""
        self.keys_created = False
        """True when this open created the practice's keys (first use, or sealing an older store)."""
        self.recovered: str | None = None
        """What opening did about a restore a kill interrupted (None when there was none)."""

    # lifecycle -----------------------------------------------------------------------------------
    def acquire(self) -> None:
        """Open the store: read-only with no lock, or as the one writer (finishing an interrupted restore first)."""
        if self.read_only:
            self.store = Store(self.paths.db, read_only=True)
            return
        self._lock = acquire_lock(self.paths)
        from reflect.core import backup

        # A restore killed half-way is finished or rolled back before anything opens the store, so
        # no command ever finds the store missing and starts an empty practice in its place.
        self.recovered = backup.recover(self.paths)
        # Decided under the lock: only the process that creates the store may remove it again.
        self.created_store = not self.paths.db.exists()
        self.store = Store(self.paths.db)

    def unlock(self, source: PassphraseSource, kdf: KdfParams | None = None) -> None:
        store = self._store()
        if store.has_keys:
            try:
                store.unlock(resolve_passphrase(source, new=False))
            except PassphraseError as exc:
                if str(exc) == "wrong passphrase":
                    from reflect.core.demo import DEMO_PASSPHRASE, MARKER

                    hint = ""
                    if (self.paths.root / MARKER).is_file():  # the fictional demo practice
                        hint = f" (this is reflect's demo practice: its passphrase is the published {DEMO_PASSPHRASE!r})"
                    raise PassphraseError(f"wrong passphrase for the practice at {self.paths.root}{hint}") from None
                raise
            self._start()
            return
        if self.read_only:
            raise PassphraseError(f"the practice at {self.paths.root} has no passphrase yet; run 'reflect init'")
        legacy = not store.is_empty()
        store.setup(resolve_passphrase(source, new=True), kdf)
        self.keys_created = True
        log.info("practice keys created%s", "; existing rows sealed" if legacy else "")
        reredactor = self._start()
        if legacy:
            # Indexes written before encryption kept passage text in Chroma's files: rebuild each
            # from the (now sealed) store into a new directory, so none of that text remains.
            for c in store.clients():
                reredactor.rebuild_index(c, store.notes(c.id), reuse=False)
            log.info("indexes rebuilt without text for %d client(s)", len(store.client_ids()))

    def _start(self) -> Reredactor:
        ctx = Context(self.paths, self.settings, self._store(), self.components, self.read_only)
        reredactor = Reredactor(ctx)
        ctx.finish_reredaction = reredactor.finish
        ctx.fill_index = lambda client: reredactor.rebuild_index(client, ctx.store.notes(client.id), reuse=False)
        self._ctx = ctx
        self.roster = Roster(ctx, reredactor)
        self.commitments = Commitments(ctx, reredactor)
        self.goals = Goals(ctx, self.commitments, reredactor)
        self.notes = Notes(ctx, reredactor, self.commitments)
        self.insight = Insight(ctx, self.commitments, self.goals)
        self.upkeep = Upkeep(ctx, reredactor)
        return reredactor

    def _store(self) -> Store:
        if self.store is None:
            raise StoreInUseError("the practice is not open")
        return self.store

    @property
    def context(self) -> Context:
        """What the services share (for tests and benchmarks that look beneath the services)."""
        if self._ctx is None:
            raise StoreInUseError("the practice is not open")
        return self._ctx

    def change_passphrase(self, new_passphrase: str, kdf: KdfParams | None = None) -> int:
        """Re-wrap the keys under a new passphrase (no note is re-encrypted); returns keys re-wrapped."""
        if self.read_only:
            raise StoreInUseError("this command was opened read-only and cannot change the practice")
        count = self._store().change_passphrase(new_passphrase, kdf)
        log.info("passphrase changed; %d keys re-wrapped", count)
        return count

    def encryption(self) -> dict[str, Any] | None:
        """When and how the practice's keys were set (no secret), or None before there is a passphrase."""
        return self._store().key_info()

    def client_count(self) -> int:
        return len(self._store().client_ids())

    def preview(self, text: str) -> Redaction:
        """Redact with no client's map and without storing anything (works without a store)."""
        return self.components.gate.redact(text, PseudonymMap())

    def close_indexes(self) -> None:
        """Close every open index (flushing Chroma), e.g. before its files are copied."""
        if self._ctx is not None:
            self._ctx.close_indexes()

    def close(self) -> None:
        self.close_indexes()
        if self.store is not None:
            self.store.close()
            self.store = None
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def __enter__(self) -> Practice:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
