"""Opening and closing the store: the database file (private from the start), one SQLite connection
per thread, WAL mode, bringing the schema up to date (``schema.MIGRATIONS``), and transactions.

``StoreBase`` is the root of ``Store``: every other part reaches the database through ``db`` and
``transaction``. It also creates the in-memory key state (used by ``keys`` and ``passphrase``) so that
``close`` can forget it. Nothing here reads or writes client data.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from reflect.core.crypto import MasterKey, SealedKey
from reflect.core.errors import InputError
from reflect.core.store.schema import MIGRATIONS

#: How long a writer waits for another thread's or process's transaction before giving up.
BUSY_TIMEOUT_S = 30.0


class StoreBase:
    """The database side of ``Store``: connections, schema version and migrations, transactions."""

    def __init__(self, path: Path, *, read_only: bool = False) -> None:
        self.path = path
        self.read_only = read_only
        # One SQLite connection per thread: the app's workers and its UI thread each get their own,
        # so one thread's transaction never takes in another's writes (a shared connection shares
        # its transaction), and SQLite's own locking serialises the writers (WAL: readers never wait).
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._connections_lock = threading.Lock()
        if not read_only and not path.exists():
            # Create the file private before SQLite writes anything into it.
            fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
            os.close(fd)
        self._key_lock = threading.Lock()
        self._master: MasterKey | None = None
        self._practice: SealedKey | None = None
        self._keys: dict[str, SealedKey] = {}
        self._row_bound = False
        version = self.schema_version
        if version > len(MIGRATIONS):
            self.close()
            raise InputError(
                f"this practice was written by a newer reflect (store schema v{version}, this reflect knows up to "
                f"v{len(MIGRATIONS)}); upgrade reflect to use it (nothing was changed)"
            )
        if not read_only:
            self.db.execute("PRAGMA journal_mode=WAL")
            self._migrate()
        elif self.schema_version != len(MIGRATIONS):
            self.close()
            raise InputError("this practice's store is from an older reflect; run a writing command (e.g. 'reflect doctor') once")

    @property
    def db(self) -> sqlite3.Connection:
        """This thread's connection to the store (opened on first use)."""
        connection = getattr(self._local, "db", None)
        if connection is None:
            if self.read_only:
                connection = sqlite3.connect(f"{self.path.as_uri()}?mode=ro", uri=True, isolation_level=None,
                                             check_same_thread=False, timeout=BUSY_TIMEOUT_S)
            else:
                connection = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_S)
            connection.row_factory = sqlite3.Row
            connection.execute("PRAGMA foreign_keys=ON")
            connection.execute("PRAGMA secure_delete=ON")
            with self._connections_lock:
                self._connections.append(connection)
            self._local.db = connection
        return connection

    @staticmethod
    def ready_for_readers(path: Path) -> bool:
        """True when ``path`` is a current, encrypted store that a read-only connection can serve."""
        if not path.is_file():
            return False
        try:
            db = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
            try:
                current = db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
                return current and db.execute("SELECT 1 FROM crypto").fetchone() is not None
            finally:
                db.close()
        except sqlite3.Error:
            return False

    def close(self) -> None:
        self._master = self._practice = None
        self._keys.clear()
        with self._connections_lock:
            for connection in self._connections:
                connection.close()
            self._connections.clear()
        self._local = threading.local()

    @property
    def schema_version(self) -> int:
        return int(self.db.execute("PRAGMA user_version").fetchone()[0])

    def _migrate(self) -> None:
        version = self.schema_version
        for target, script in enumerate(MIGRATIONS[version:], start=version + 1):
            with self.transaction():
                for statement in script.split(";"):
                    if statement.strip():
                        self.db.execute(statement)
                self.db.execute(f"PRAGMA user_version = {target}")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        else:
            self.db.execute("COMMIT")
