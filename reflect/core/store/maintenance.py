"""Looking after the database as a whole: purging freed pages (checkpoint and VACUUM), SQLite's
integrity check and the check that everything is sealed (for ``reflect doctor``), a consistent copy of
the file (for backups), and the keyed digest of a passage that the index keeps.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from reflect.core.store.connection import BUSY_TIMEOUT_S
from reflect.core.store.keys import KeyringMixin


class MaintenanceMixin(KeyringMixin):
    """Purge, checks and copies of the whole store, and passage digests."""

    def purge(self, attempts: int = 3) -> bool:
        """Leave no freed page behind: secure_delete zeroed them, the checkpoint empties the WAL and
        VACUUM rewrites the file from live rows only. A read-only reader (a CLI command while the app
        is open) pins old pages while it reads; each checkpoint waits for it (SQLite's 5 s busy
        timeout), up to ``attempts`` times. Returns False if readers outlasted that (the old pages
        then go at the next checkpoint)."""
        self.db.execute("PRAGMA busy_timeout = 5000")
        try:
            self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self.db.execute("VACUUM")
            for _ in range(attempts):
                if not self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]:
                    return True
            return False
        finally:
            self.db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")

    def integrity_ok(self) -> bool:
        result: str = self.db.execute("PRAGMA integrity_check").fetchone()[0]
        return result == "ok"

    def sealed_check(self) -> str | None:
        """None when every client has a wrapped key and every sealed column holds sealed values;
        else what is wrong (for ``reflect doctor``)."""
        problems = []
        if self.db.execute("SELECT COUNT(*) FROM clients WHERE data_key IS NULL").fetchone()[0]:
            problems.append("clients without a data key")
        for table, column in (("clients", "name"), ("notes", "original"), ("notes", "redacted"), ("people", "name"),
                              ("commitments", "text"), ("goals", "text"), ("prompts", "prompt"), ("map", "entry")):
            if self.db.execute(f"SELECT COUNT(*) FROM {table} WHERE typeof({column}) != 'blob'").fetchone()[0]:
                problems.append(f"{table}.{column} holds values in clear")
        if self.db.execute("SELECT COUNT(*) FROM vault").fetchone()[0]:
            problems.append("the pre-encryption map table is not empty")
        return "; ".join(problems) or None

    def copy_to(self, target: Path) -> None:
        """A consistent copy of the whole database (SQLite's online backup), private from the start."""
        fd = os.open(target, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
        os.close(fd)
        out = sqlite3.connect(target)
        try:
            self.db.backup(out)
        finally:
            out.close()

    def index_name(self, client_id: str) -> str:
        """The opaque name of a client's collection on an index server: a keyed digest under the
        client's own key (stable for the client, unlinkable to anything without the key, gone with it)."""
        return self._key(client_id).lookup("index-server-collection\x00")[:32]

    def digest(self, client_id: str, text: str) -> str:
        """A keyed digest of a passage (the client's lookup key): the index keeps it to show which
        text a vector came from; it reveals nothing without the key."""
        return self._key(client_id).lookup("passage\x00" + text)[:24]
