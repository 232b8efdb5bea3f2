"""The SQLite source of truth: clients, roster, notes (original and redacted), each client's pseudonym
map, and the prompts the model received. The Chroma index is derived from this and rebuildable.

Owns the schema and its migrations (``PRAGMA user_version``), WAL mode, and private file modes.
It holds no lock itself: ``reflect.core.practice`` takes the single-writer lock before opening it.
Nothing here logs note text.
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timezone
from pathlib import Path

from reflect.core.domain import Client, Note, Person

# Each migration moves the schema from version i to i + 1. Append only; never edit a shipped one.
MIGRATIONS: list[str] = [
    """
    CREATE TABLE clients (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        name_key TEXT NOT NULL UNIQUE,
        aliases TEXT NOT NULL DEFAULT '[]',
        created TEXT NOT NULL
    );
    CREATE TABLE people (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        client_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        aliases TEXT NOT NULL DEFAULT '[]',
        role TEXT,
        kind TEXT NOT NULL DEFAULT 'PERSON',
        created TEXT NOT NULL
    );
    CREATE TABLE notes (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        client_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
        date TEXT NOT NULL,
        original TEXT NOT NULL,
        redacted TEXT NOT NULL,
        created TEXT NOT NULL
    );
    CREATE INDEX notes_client_date ON notes(client_id, date, id);
    -- The per-client pseudonym map: every identifier surface seen for a client and its placeholder.
    CREATE TABLE vault (
        client_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
        type TEXT NOT NULL,
        key TEXT NOT NULL,
        surface TEXT NOT NULL,
        placeholder TEXT NOT NULL,
        PRIMARY KEY (client_id, type, key)
    );
    CREATE TABLE prompts (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        client_id TEXT REFERENCES clients(id) ON DELETE CASCADE,
        purpose TEXT NOT NULL,
        prompt TEXT NOT NULL
    );
    """,
    # v2: where a map entry came from (the coach's roster, or learned from a note): roster names are
    # matched in every case, learned common words only when capitalised.
    """
    ALTER TABLE vault ADD COLUMN origin TEXT NOT NULL DEFAULT 'learned';
    """,
    # v3: commitments found in notes (redacted text); status is NULL until the coach sets it.
    """
    CREATE TABLE commitments (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        client_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
        note_id INTEGER NOT NULL REFERENCES notes(id) ON DELETE CASCADE,
        text TEXT NOT NULL,
        status TEXT CHECK (status IN ('open', 'done', 'dropped')),
        created TEXT NOT NULL
    );
    CREATE INDEX commitments_client ON commitments(client_id, note_id);
    """,
]


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def name_key(name: str) -> str:
    """How client names are compared: case-insensitive, whitespace-collapsed."""
    return " ".join(name.split()).casefold()


class Store:
    """A connection to ``reflect.db`` with typed accessors."""

    def __init__(self, path: Path):
        self.path = path
        new = not path.exists()
        if new:
            # Create the file private before SQLite writes anything into it.
            fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
            os.close(fd)
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA foreign_keys=ON")
        self.db.execute("PRAGMA secure_delete=ON")
        self._migrate()

    def close(self) -> None:
        self.db.close()

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

    # clients -----------------------------------------------------------------------------------
    def add_client(self, name: str, aliases: Iterable[str] = ()) -> Client:
        client = Client(id=secrets.token_hex(4), name=" ".join(name.split()), aliases=tuple(aliases), created=now_iso())
        self.db.execute(
            "INSERT INTO clients (id, name, name_key, aliases, created) VALUES (?, ?, ?, ?, ?)",
            (client.id, client.name, name_key(client.name), json.dumps(list(client.aliases)), client.created),
        )
        return client

    def _client(self, row: sqlite3.Row) -> Client:
        return Client(id=row["id"], name=row["name"], aliases=tuple(json.loads(row["aliases"])), created=row["created"])

    def clients(self) -> list[Client]:
        return [self._client(r) for r in self.db.execute("SELECT * FROM clients ORDER BY name_key")]

    def client_by_key(self, key: str) -> Client | None:
        """A client by exact id or by name (case-insensitive)."""
        row = self.db.execute(
            "SELECT * FROM clients WHERE id = ? OR name_key = ?", (key.strip().lower(), name_key(key))
        ).fetchone()
        return self._client(row) if row else None

    def delete_client(self, client_id: str) -> None:
        self.db.execute("DELETE FROM clients WHERE id = ?", (client_id,))

    # roster ------------------------------------------------------------------------------------
    def add_person(self, client_id: str, name: str, aliases: Iterable[str], role: str | None, kind: str) -> Person:
        cur = self.db.execute(
            "INSERT INTO people (client_id, name, aliases, role, kind, created) VALUES (?, ?, ?, ?, ?, ?)",
            (client_id, " ".join(name.split()), json.dumps(list(aliases)), role, kind, now_iso()),
        )
        return self.person(int(cur.lastrowid))

    def person(self, person_id: int) -> Person:
        row = self.db.execute("SELECT * FROM people WHERE id = ?", (person_id,)).fetchone()
        return Person(row["id"], row["client_id"], row["name"], tuple(json.loads(row["aliases"])), row["role"], row["kind"])

    def people(self, client_id: str) -> list[Person]:
        return [
            Person(r["id"], r["client_id"], r["name"], tuple(json.loads(r["aliases"])), r["role"], r["kind"])
            for r in self.db.execute("SELECT * FROM people WHERE client_id = ? ORDER BY id", (client_id,))
        ]

    # notes -------------------------------------------------------------------------------------
    def add_note(self, client_id: str, when: date, original: str, redacted: str) -> int:
        cur = self.db.execute(
            "INSERT INTO notes (client_id, date, original, redacted, created) VALUES (?, ?, ?, ?, ?)",
            (client_id, when.isoformat(), original, redacted, now_iso()),
        )
        return int(cur.lastrowid)

    def _note(self, r: sqlite3.Row) -> Note:
        return Note(r["id"], r["client_id"], date.fromisoformat(r["date"]), r["original"], r["redacted"])

    def notes(self, client_id: str) -> list[Note]:
        """A client's notes, oldest session first."""
        return [self._note(r) for r in self.db.execute("SELECT * FROM notes WHERE client_id = ? ORDER BY date, id", (client_id,))]

    def note(self, client_id: str, note_id: int) -> Note | None:
        row = self.db.execute("SELECT * FROM notes WHERE client_id = ? AND id = ?", (client_id, note_id)).fetchone()
        return self._note(row) if row else None

    def update_note(self, client_id: str, note_id: int, when: date, original: str, redacted: str) -> None:
        self.db.execute(
            "UPDATE notes SET date = ?, original = ?, redacted = ? WHERE client_id = ? AND id = ?",
            (when.isoformat(), original, redacted, client_id, note_id),
        )

    def note_count(self, client_id: str) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM notes WHERE client_id = ?", (client_id,)).fetchone()[0])

    # pseudonym map -----------------------------------------------------------------------------
    def vault(self, client_id: str) -> list[tuple[str, str, str, str, str]]:
        """(type, key, surface, placeholder, origin) rows of one client's map."""
        return [
            (r["type"], r["key"], r["surface"], r["placeholder"], r["origin"])
            for r in self.db.execute("SELECT * FROM vault WHERE client_id = ? ORDER BY rowid", (client_id,))
        ]

    def add_vault_entries(self, client_id: str, rows: Iterable[tuple[str, str, str, str, str]]) -> None:
        self.db.executemany(
            "INSERT OR IGNORE INTO vault (client_id, type, key, surface, placeholder, origin) VALUES (?, ?, ?, ?, ?, ?)",
            [(client_id, *row) for row in rows],
        )

    # commitments -------------------------------------------------------------------------------
    def add_commitments(self, client_id: str, note_id: int, texts: Iterable[str]) -> None:
        self.db.executemany(
            "INSERT INTO commitments (client_id, note_id, text, created) VALUES (?, ?, ?, ?)",
            [(client_id, note_id, t, now_iso()) for t in texts],
        )

    def commitments(self, client_id: str) -> list[sqlite3.Row]:
        return list(self.db.execute(
            "SELECT c.id, c.note_id, n.date, c.text, c.status FROM commitments c JOIN notes n ON n.id = c.note_id "
            "WHERE c.client_id = ? ORDER BY n.date, c.id", (client_id,),
        ))

    def refresh_commitments(self, client_id: str, note_id: int, texts: list[str]) -> None:
        """Re-derive a note's commitments (after the extraction rules change), keeping the coach's
        statuses: new ones are added, vanished ones without a status set by the coach are removed."""
        existing = {r["text"]: r for r in self.db.execute(
            "SELECT id, text, status FROM commitments WHERE client_id = ? AND note_id = ?", (client_id, note_id))}
        self.add_commitments(client_id, note_id, [t for t in texts if t not in existing])
        for text, row in existing.items():
            if text not in texts and row["status"] is None:
                self.db.execute("DELETE FROM commitments WHERE id = ?", (row["id"],))

    def set_commitment_status(self, client_id: str, commitment_id: int, status: str | None) -> bool:
        cur = self.db.execute(
            "UPDATE commitments SET status = ? WHERE client_id = ? AND id = ?", (status, client_id, commitment_id)
        )
        return cur.rowcount == 1

    # prompts (audit) ---------------------------------------------------------------------------
    def record_prompt(self, client_id: str | None, purpose: str, prompt: str) -> None:
        self.db.execute(
            "INSERT INTO prompts (at, client_id, purpose, prompt) VALUES (?, ?, ?, ?)", (now_iso(), client_id, purpose, prompt)
        )

    def prompts(self, client_id: str | None = None) -> list[dict[str, str | None]]:
        sql = "SELECT p.at, p.client_id, p.purpose, p.prompt FROM prompts p"
        args: tuple[str, ...] = ()
        if client_id:
            sql += " WHERE p.client_id = ?"
            args = (client_id,)
        return [dict(r) for r in self.db.execute(sql + " ORDER BY p.id", args)]

    def integrity_ok(self) -> bool:
        return self.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
