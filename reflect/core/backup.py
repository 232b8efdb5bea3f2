"""Encrypted backups of a whole practice: ``reflect backup PATH`` and ``reflect restore PATH``.

A backup is a gzip'd tar archive encrypted with age (passphrase mode: scrypt, then ChaCha20-Poly1305
in authenticated chunks), through ``pyrage``. age is a published, audited format, so a backup can be
opened with the ``age`` command-line tool even without reflect. The archive holds:

    manifest.json     format, reflect version, schema version, when, how many clients and notes
    reflect.db        a consistent copy of the store (SQLite's online backup API; sealed fields stay sealed)
    index/<id>/       each client's index directory (vectors and positions; rebuildable)
    config.toml       settings, and prompts/ (the coach's own prompt files), when present

The archive passphrase is the practice's passphrase, checked against the store before anything is
written, so a restored practice opens with the passphrase that opened the backup. Restoring stages the
archive inside the data directory, verifies it (integrity, passphrase, names), and only then swaps it
in under the single-writer lock; a wrong passphrase or a damaged file changes nothing. Archives are
built in memory: fine for a practice's notes (megabytes), not meant for gigabytes.
"""

from __future__ import annotations

import io
import json
import logging
import os
import secrets
import shutil
import tarfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Protocol

from reflect import __version__
from reflect.core.errors import CorruptDataError, InputError, PassphraseError, StoreInUseError
from reflect.core.faults import fault_point
from reflect.core.privatefile import write_private
from reflect.core.store import MIGRATIONS, Store, now_iso
from reflect.paths import DataPaths

log = logging.getLogger(__name__)

FORMAT = "reflect-backup"
VERSION = 1
MAX_ARCHIVE_BYTES = 2 * 1024**3


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    bytes: int
    clients: int
    notes: int
    created: str


class _OpenPractice(Protocol):
    """What ``create`` needs of a practice (``reflect.core.practice.Practice``): its paths, its store
    and a way to flush its indexes before their files are copied."""

    @property
    def paths(self) -> DataPaths: ...

    @property
    def store(self) -> Store | None: ...

    def close_indexes(self) -> None: ...


def _clean(info: tarfile.TarInfo) -> tarfile.TarInfo:
    """No user or group names, ids or times of the coach's machine in the archive."""
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.mtime = 0
    return info


def create(practice: _OpenPractice, target: Path, passphrase: str, *, force: bool = False) -> BackupInfo:
    """Write an encrypted backup of ``practice`` (opened for writing, so nothing changes meanwhile)."""
    import pyrage

    target = target.expanduser()
    if (target.exists() or target.is_symlink()) and not force:
        raise InputError(f"{target} already exists; choose a new file name for the backup, or add --force to replace it")
    if target.is_symlink():
        raise InputError(f"{target} is a symbolic link; reflect does not write through links, give a plain file name")
    if not target.parent.is_dir():
        raise InputError(f"{target.parent} is not a directory")
    store = practice.store
    if store is None:
        raise StoreInUseError("the practice is not open")
    store.verify_passphrase(passphrase)
    practice.close_indexes()
    paths: DataPaths = practice.paths
    clients = store.client_ids()
    notes = sum(store.note_count(c) for c in clients)
    created = now_iso()
    manifest = {
        "format": FORMAT, "version": VERSION, "reflect": __version__, "schema": store.schema_version,
        "created": created, "clients": len(clients), "notes": notes,
    }
    buffer = io.BytesIO()
    staging = paths.cache / f"backup-{secrets.token_hex(4)}.db"
    try:
        store.copy_to(staging)
        with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
            data = json.dumps(manifest, indent=2).encode()
            entry = tarfile.TarInfo("manifest.json")
            entry.size = len(data)
            tar.addfile(_clean(entry), io.BytesIO(data))
            tar.add(staging, arcname="reflect.db", filter=_clean)
            for cid in clients:
                directory = paths.client_index(cid)
                if directory.is_dir():
                    tar.add(directory, arcname=f"index/{cid}", filter=_clean)
            if paths.config.is_file():
                tar.add(paths.config, arcname="config.toml", filter=_clean)
            if paths.user_prompts.is_dir():
                tar.add(paths.user_prompts, arcname="prompts", filter=_clean)
    finally:
        staging.unlink(missing_ok=True)
    sealed = pyrage.passphrase.encrypt(buffer.getvalue(), passphrase)
    write_private(target, sealed, force=force)
    log.info("backup written: %d clients, %d notes, %d bytes", len(clients), notes, len(sealed))
    return BackupInfo(target, len(sealed), len(clients), notes, created)


def _allowed(name: str) -> bool:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts:
        return False
    top = path.parts[0] if path.parts else ""
    return name in {"manifest.json", "reflect.db", "config.toml"} or top in {"index", "prompts"}


def read(archive: Path, passphrase: str) -> tuple[dict[str, Any], tarfile.TarFile]:
    """Decrypt and check a backup: its manifest and the open archive. Raises before anything is written."""
    import pyrage

    archive = archive.expanduser()
    if not archive.is_file():
        raise InputError(f"{archive} does not exist or is not a file")
    if archive.stat().st_size > MAX_ARCHIVE_BYTES:
        raise InputError(f"{archive} is larger than any reflect backup could be")
    try:
        plain = pyrage.passphrase.decrypt(archive.read_bytes(), passphrase)
    except pyrage.DecryptError:
        raise PassphraseError(f"cannot open {archive.name}: wrong passphrase, or not a reflect backup, or damaged") from None
    except OSError as exc:
        raise InputError(f"cannot read {archive}: {exc.strerror}") from None
    try:
        tar = tarfile.open(fileobj=io.BytesIO(plain), mode="r:gz")
        members = tar.getmembers()
        manifest_file = tar.extractfile("manifest.json")
        if manifest_file is None:  # an entry by that name that is not a file
            raise CorruptDataError(f"{archive.name} decrypted but is not a reflect backup")
        manifest = json.loads(manifest_file.read())
    except (tarfile.TarError, KeyError, ValueError, AttributeError, EOFError, OSError):
        raise CorruptDataError(f"{archive.name} decrypted but is not a reflect backup") from None
    if manifest.get("format") != FORMAT or not isinstance(manifest.get("schema"), int):
        raise CorruptDataError(f"{archive.name} is not a reflect backup")
    if manifest["schema"] > len(MIGRATIONS):
        raise InputError(f"{archive.name} was made by a newer reflect (schema v{manifest['schema']}); upgrade reflect first")
    bad = [m.name for m in members if not _allowed(m.name) or not (m.isfile() or m.isdir())]
    if bad or "reflect.db" not in {m.name for m in members}:
        raise CorruptDataError(f"{archive.name} holds unexpected entries; refusing to restore it")
    return manifest, tar


def restore(root: Path, archive: Path, passphrase: str, *, replace: bool = False) -> BackupInfo:
    """Replace the practice at ``root`` by the one in ``archive``, all or nothing."""
    from reflect.core.practice import acquire_lock

    manifest, tar = read(archive, passphrase)
    paths = DataPaths(root.expanduser().resolve())
    try:
        paths.ensure()
    except OSError as exc:
        raise InputError(f"data directory {paths.root} cannot be used: {exc.strerror}") from None
    lock = acquire_lock(paths)
    try:
        recover(paths)
    except BaseException:
        lock.release()
        raise
    staging = paths.root / f".restore-{secrets.token_hex(4)}"
    try:
        if paths.db.exists() and not replace:
            current = Store(paths.db, read_only=True)
            try:
                count = len(current.client_ids())
            finally:
                current.close()
            if count:
                raise InputError(
                    f"{paths.root} already holds a practice with {count} client(s); add --replace to replace it with the backup"
                )
        staging.mkdir(mode=0o700)
        if hasattr(tarfile, "data_filter"):  # Python >= 3.11.4: refuse links, devices, odd modes
            tar.extractall(staging, filter="data")
        else:  # names and member types were checked in read()
            tar.extractall(staging)
        staged = Store(staging / "reflect.db")
        try:
            if not staged.integrity_ok():
                raise CorruptDataError(f"the store inside {archive.name} fails SQLite's integrity check")
            staged.verify_passphrase(passphrase)
            staged.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            staged.close()
        (staging / "index").mkdir(mode=0o700, exist_ok=True)  # a practice without notes has no index yet
        for path in staging.rglob("*"):
            os.chmod(path, 0o700 if path.is_dir() else 0o600)
        _swap_in(paths, staging)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        lock.release()
    log.info("restored %s clients, %s notes", manifest.get("clients"), manifest.get("notes"))
    return BackupInfo(archive, archive.stat().st_size, int(manifest.get("clients", 0)), int(manifest.get("notes", 0)), str(manifest.get("created")))


JOURNAL = ".restore-journal.json"


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_journal(paths: DataPaths, record: Mapping[str, object]) -> None:
    """Write the swap's journal durably (temp file, fsync, rename, fsync the folder)."""
    temp = paths.root / (JOURNAL + ".tmp")
    fd = os.open(temp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(record, out)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temp, paths.root / JOURNAL)
    _fsync_dir(paths.root)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


def _swap_in(paths: DataPaths, staging: Path) -> None:
    """Move the current store and index aside and the staged ones in, with a journal on disk first, so
    that a kill at any moment is finished or rolled back by the next command (``recover``)."""
    aside = paths.root / f".replaced-{secrets.token_hex(4)}"
    aside.mkdir(mode=0o700)
    movable = [paths.db.name, paths.db.name + "-wal", paths.db.name + "-shm", "index", "config.toml", "prompts"]
    incoming = [name for name in ["reflect.db", "index", "config.toml", "prompts"] if (staging / name).exists()]
    outgoing = [name for name in movable if (paths.root / name).exists() and (name in incoming or name.startswith(paths.db.name) or name == "index")]
    record = {"staging": staging.name, "aside": aside.name, "old": outgoing, "new": incoming, "phase": "swapping"}
    _write_journal(paths, record)
    fault_point("restore:journal-written")
    for name in outgoing:
        os.replace(paths.root / name, aside / name)
        fault_point(f"restore:moved-aside:{name}")
    for name in incoming:
        os.replace(staging / name, paths.root / name)
        fault_point(f"restore:moved-in:{name}")
    _fsync_dir(paths.root)
    _write_journal(paths, {**record, "phase": "committed"})
    fault_point("restore:committed")
    paths.index_root.mkdir(mode=0o700, exist_ok=True)
    shutil.rmtree(aside, ignore_errors=True)
    (paths.root / JOURNAL).unlink()
    _fsync_dir(paths.root)


def pending(paths: DataPaths) -> bool:
    """True while a restore's swap is unfinished (its journal is on disk)."""
    return (paths.root / JOURNAL).exists()


def recover(paths: DataPaths) -> str | None:
    """Finish or roll back a restore a kill interrupted; called under the writer lock before anything
    opens the store. Before the journal says "committed" the practice as it was is put back (the
    coach runs the restore again); after it, the restored one is kept. Returns what was done."""
    journal = paths.root / JOURNAL
    if not journal.exists():
        return None
    try:
        record = json.loads(journal.read_text(encoding="utf-8"))
        staging, aside = paths.root / record["staging"], paths.root / record["aside"]
        old, new, phase = list(record["old"]), list(record["new"]), record["phase"]
    except (ValueError, KeyError, TypeError, OSError):
        raise CorruptDataError(f"an interrupted restore left {journal} damaged; move it away and run 'reflect doctor'") from None
    if phase == "committed":
        outcome = "an interrupted restore was completed"
    else:
        for name in new:
            current = paths.root / name
            moved_in = (current.exists() or current.is_symlink()) and (name not in old or (aside / name).exists() or (aside / name).is_symlink())
            if moved_in:
                _remove(current)
        for name in old:
            if (aside / name).exists():
                os.replace(aside / name, paths.root / name)
        outcome = "an interrupted restore was rolled back; the practice is as it was before it"
    _fsync_dir(paths.root)
    shutil.rmtree(aside, ignore_errors=True)
    shutil.rmtree(staging, ignore_errors=True)
    paths.index_root.mkdir(mode=0o700, exist_ok=True)
    journal.unlink()
    _fsync_dir(paths.root)
    log.warning(outcome)
    return outcome
