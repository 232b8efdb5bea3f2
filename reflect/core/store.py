"""The SQLite source of truth: clients, roster, notes (original and redacted), each client's pseudonym
map, commitments, and the prompts the model received. The Chroma index is derived from this.

Owns the schema and its migrations (``PRAGMA user_version``), WAL mode, private file modes, and
encryption at rest (``reflect.core.crypto``): from schema v4 every field that says who a client is or
what they said is sealed with that client's data key before it is written, and opened after it is read.
In clear: opaque ids, session dates, row counts, sizes, commitment statuses, prompt times and purposes,
entity types of map entries. Client names are found through a keyed HMAC, never stored in clear.

It holds no process lock itself: ``reflect.core.practice`` takes the single-writer lock before opening
it. Within the process each thread gets its own connection, so threads never share a transaction.
Nothing here logs note text.
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timezone
from pathlib import Path

from reflect.core.crypto import KdfParams, MasterKey, SealedKey, check_new_passphrase, new_key, new_salt
from reflect.core.domain import Client, Note, Person
from reflect.core.errors import CorruptDataError, InputError, PassphraseError

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
    # v4: encryption at rest. The key table (one row: Argon2id parameters, salt, wrapped practice
    # key); each client's wrapped data key; the pseudonym map as sealed entries found by a keyed
    # lookup. Sealed values are BLOBs in the existing columns. A v3 store is sealed in place by
    # ``Store.setup`` the first time a passphrase is given (rows of ``vault`` move to ``map``).
    """
    CREATE TABLE crypto (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        kdf TEXT NOT NULL,
        params TEXT NOT NULL,
        salt BLOB NOT NULL,
        practice_key BLOB NOT NULL,
        created TEXT NOT NULL,
        changed TEXT
    );
    ALTER TABLE clients ADD COLUMN data_key BLOB;
    CREATE TABLE map (
        client_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
        lookup TEXT NOT NULL,
        entry BLOB NOT NULL,
        PRIMARY KEY (client_id, lookup)
    );
    """,
    # v5: tamper evidence. Sealed values are bound to their row as well as their owner and field (a
    # value swapped between two notes no longer opens); a passphrase check value tells a wrong
    # passphrase from an altered key. Rows sealed before are re-sealed at the next unlock. And the
    # clients whose stored notes must be re-redacted (set with the roster change that requires it,
    # cleared once the notes and the index follow), so a crash in between is repaired at next use.
    """
    ALTER TABLE crypto ADD COLUMN row_bound INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE crypto ADD COLUMN verifier TEXT;
    CREATE TABLE reredact_pending (
        client_id TEXT PRIMARY KEY REFERENCES clients(id) ON DELETE CASCADE
    );
    """,
]

PRACTICE = "practice"

#: How long a writer waits for another thread's or process's transaction before giving up.
BUSY_TIMEOUT_S = 30.0


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def name_key(name: str) -> str:
    """How client names are compared: case-insensitive, whitespace-collapsed."""
    return " ".join(name.split()).casefold()


class Store:
    """A connection to ``reflect.db`` with typed accessors that seal and open fields.

    Opening runs the migrations; reading or writing client data needs ``unlock`` (or ``setup`` on a
    store that has no keys yet). A wrong passphrase raises before anything is read or written.
    """

    def __init__(self, path: Path, *, read_only: bool = False):
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

    # keys --------------------------------------------------------------------------------------
    @property
    def has_keys(self) -> bool:
        return self.db.execute("SELECT 1 FROM crypto").fetchone() is not None

    def is_empty(self) -> bool:
        return self.db.execute("SELECT 1 FROM clients LIMIT 1").fetchone() is None

    def key_info(self) -> dict[str, str]:
        row = self.db.execute("SELECT kdf, params, created, changed FROM crypto").fetchone()
        return dict(row) if row else {}

    def _derive(self, passphrase: str) -> tuple[MasterKey, SealedKey]:
        """The master key from ``passphrase`` and the practice key it unwraps: ``PassphraseError`` when
        the passphrase is wrong, ``CorruptDataError`` when it is right (the check value matches) but the
        wrapped key was altered."""
        row = self.db.execute("SELECT params, salt, practice_key, verifier FROM crypto").fetchone()
        if row is None:
            raise PassphraseError("this store has no keys yet")
        master = MasterKey.derive(passphrase, row["salt"], KdfParams.from_json(row["params"]))
        if row["verifier"] is not None and not secrets.compare_digest(row["verifier"], master.verifier()):
            raise PassphraseError("wrong passphrase")
        try:
            return master, master.unwrap(PRACTICE, row["practice_key"])
        except PassphraseError:
            if row["verifier"] is None:
                raise
            raise CorruptDataError("the practice key in the store was altered; restore a backup") from None

    def unlock(self, passphrase: str) -> None:
        """Derive the master key and unwrap the practice key. A store sealed before row binding
        existed is re-sealed (once, in one transaction) unless it was opened read-only."""
        self._master, self._practice = self._derive(passphrase)
        row = self.db.execute("SELECT row_bound, verifier FROM crypto").fetchone()
        self._row_bound = bool(row["row_bound"])
        if not self.read_only and (not self._row_bound or row["verifier"] is None):
            self._bind_rows()

    def _f(self, field: str, row: object) -> str:
        """The name a sealed value is bound to: its field and, from schema v5, its row."""
        return f"{field}#{row}" if self._row_bound else field

    def _bind_rows(self) -> None:
        """Re-seal every value with its row in its associated data, and store the passphrase check."""
        with self.transaction():
            if not self._row_bound:
                for cid in [r["id"] for r in self.db.execute("SELECT id FROM clients")]:
                    k = self._key(cid)
                    for r in list(self.db.execute("SELECT * FROM people WHERE client_id = ?", (cid,))):
                        self.db.execute(
                            "UPDATE people SET name = ?, aliases = ?, role = ? WHERE id = ?",
                            (k.seal(f"people.name#{r['id']}", k.open("people.name", r["name"])),
                             k.seal(f"people.aliases#{r['id']}", k.open("people.aliases", r["aliases"])),
                             k.seal(f"people.role#{r['id']}", k.open("people.role", r["role"])) if r["role"] is not None else None, r["id"]),
                        )
                    for r in list(self.db.execute("SELECT id, original, redacted FROM notes WHERE client_id = ?", (cid,))):
                        self.db.execute(
                            "UPDATE notes SET original = ?, redacted = ? WHERE id = ?",
                            (k.seal(f"notes.original#{r['id']}", k.open("notes.original", r["original"])),
                             k.seal(f"notes.redacted#{r['id']}", k.open("notes.redacted", r["redacted"])), r["id"]),
                        )
                    for r in list(self.db.execute("SELECT id, text FROM commitments WHERE client_id = ?", (cid,))):
                        self.db.execute("UPDATE commitments SET text = ? WHERE id = ?",
                                        (k.seal(f"commitments.text#{r['id']}", k.open("commitments.text", r["text"])), r["id"]))
                    for r in list(self.db.execute("SELECT lookup, entry FROM map WHERE client_id = ?", (cid,))):
                        self.db.execute("UPDATE map SET entry = ? WHERE client_id = ? AND lookup = ?",
                                        (k.seal(f"map.entry#{r['lookup']}", k.open("map.entry", r["entry"])), cid, r["lookup"]))
                for r in list(self.db.execute("SELECT id, client_id, prompt FROM prompts")):
                    k = self._key(r["client_id"])
                    self.db.execute("UPDATE prompts SET prompt = ? WHERE id = ?",
                                    (k.seal(f"prompts.prompt#{r['id']}", k.open("prompts.prompt", r["prompt"])), r["id"]))
            self.db.execute("UPDATE crypto SET row_bound = 1, verifier = ? WHERE id = 1", (self._master.verifier(),))
        self._row_bound = True

    def verify_passphrase(self, passphrase: str) -> None:
        """Raise ``PassphraseError`` unless ``passphrase`` unlocks this store (changes nothing)."""
        self._derive(passphrase)

    def sealed_check(self) -> str | None:
        """None when every client has a wrapped key and every sealed column holds sealed values;
        else what is wrong (for ``reflect doctor``)."""
        problems = []
        if self.db.execute("SELECT COUNT(*) FROM clients WHERE data_key IS NULL").fetchone()[0]:
            problems.append("clients without a data key")
        for table, column in (("clients", "name"), ("notes", "original"), ("notes", "redacted"), ("people", "name"),
                              ("commitments", "text"), ("prompts", "prompt"), ("map", "entry")):
            if self.db.execute(f"SELECT COUNT(*) FROM {table} WHERE typeof({column}) != 'blob'").fetchone()[0]:
                problems.append(f"{table}.{column} holds values in clear")
        if self.db.execute("SELECT COUNT(*) FROM vault").fetchone()[0]:
            problems.append("the pre-encryption map table is not empty")
        return "; ".join(problems) or None

    def setup(self, passphrase: str, params: KdfParams | None = None) -> None:
        """Create the keys of a store that has none, and seal any rows written before encryption
        existed (schema v3 and older) in the same transaction, then purge their plaintext pages."""
        if self.has_keys:
            raise PassphraseError("this practice already has a passphrase; 'reflect passphrase' changes it")
        check_new_passphrase(passphrase)
        params = params or KdfParams()
        salt = new_salt()
        master = MasterKey.derive(passphrase, salt, params)
        practice_raw = new_key()
        legacy = not self.is_empty()
        with self.transaction():
            self.db.execute(
                "INSERT INTO crypto (id, kdf, params, salt, practice_key, created, row_bound, verifier) VALUES (1, 'argon2id', ?, ?, ?, ?, 1, ?)",
                (params.to_json(), salt, master.wrap(PRACTICE, practice_raw), now_iso(), master.verifier()),
            )
            self._master, self._practice = master, SealedKey(practice_raw, PRACTICE)
            self._row_bound = True
            if legacy:
                self._seal_legacy_rows()
        if legacy:
            self.purge()

    def change_passphrase(self, new_passphrase: str, params: KdfParams | None = None) -> int:
        """Re-wrap the practice key and every client key under a new master key; no note is
        re-encrypted. Returns the number of keys re-wrapped."""
        if self._master is None:
            raise PassphraseError("unlock the practice first")
        check_new_passphrase(new_passphrase)
        row = self.db.execute("SELECT params, practice_key FROM crypto").fetchone()
        params = params or KdfParams.from_json(row["params"])
        salt = new_salt()
        new_master = MasterKey.derive(new_passphrase, salt, params)
        old_master = self._master
        count = 0
        with self.transaction():
            practice_raw = old_master.unwrap_raw(PRACTICE, row["practice_key"])
            self.db.execute(
                "UPDATE crypto SET params = ?, salt = ?, practice_key = ?, changed = ?, verifier = ? WHERE id = 1",
                (params.to_json(), salt, new_master.wrap(PRACTICE, practice_raw), now_iso(), new_master.verifier()),
            )
            count += 1
            for r in list(self.db.execute("SELECT id, data_key FROM clients")):
                raw = old_master.unwrap_raw(r["id"], r["data_key"])
                self.db.execute("UPDATE clients SET data_key = ? WHERE id = ?", (new_master.wrap(r["id"], raw), r["id"]))
                count += 1
        self._master = new_master
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return count

    def _key(self, client_id: str | None) -> SealedKey:
        if self._practice is None or self._master is None:
            raise PassphraseError("the practice is locked")
        if client_id is None:
            return self._practice
        key = self._keys.get(client_id)
        if key is None:
            row = self.db.execute("SELECT data_key FROM clients WHERE id = ?", (client_id,)).fetchone()
            if row is None or row["data_key"] is None:
                raise PassphraseError(f"client {client_id} has no data key")
            try:
                key = self._master.unwrap(client_id, row["data_key"])
            except PassphraseError:  # the passphrase was verified: the wrapped key itself was altered
                raise CorruptDataError(f"the key of client {client_id} in the store was altered; restore a backup") from None
            with self._key_lock:
                self._keys.setdefault(client_id, key)
        return key

    def _new_client_key(self, client_id: str) -> bytes:
        raw = new_key()
        self._keys[client_id] = SealedKey(raw, client_id)
        return self._master.wrap(client_id, raw)

    def _seal_legacy_rows(self) -> None:
        """Seal every row of a store written before encryption (inside ``setup``'s transaction)."""
        for c in list(self.db.execute("SELECT * FROM clients WHERE data_key IS NULL")):
            cid = c["id"]
            wrapped = self._new_client_key(cid)
            k = self._keys[cid]
            self.db.execute(
                "UPDATE clients SET name = ?, aliases = ?, name_key = ?, data_key = ? WHERE id = ?",
                (k.seal("clients.name", c["name"]), k.seal("clients.aliases", c["aliases"]),
                 self._practice.lookup(name_key(c["name"])), wrapped, cid),
            )
            for r in list(self.db.execute("SELECT * FROM people WHERE client_id = ?", (cid,))):
                self.db.execute(
                    "UPDATE people SET name = ?, aliases = ?, role = ? WHERE id = ?",
                    (k.seal(self._f("people.name", r["id"]), r["name"]), k.seal(self._f("people.aliases", r["id"]), r["aliases"]),
                     k.seal(self._f("people.role", r["id"]), r["role"]) if r["role"] is not None else None, r["id"]),
                )
            for r in list(self.db.execute("SELECT id, original, redacted FROM notes WHERE client_id = ?", (cid,))):
                self.db.execute(
                    "UPDATE notes SET original = ?, redacted = ? WHERE id = ?",
                    (k.seal(self._f("notes.original", r["id"]), r["original"]), k.seal(self._f("notes.redacted", r["id"]), r["redacted"]), r["id"]),
                )
            for r in list(self.db.execute("SELECT id, text FROM commitments WHERE client_id = ?", (cid,))):
                self.db.execute("UPDATE commitments SET text = ? WHERE id = ?", (k.seal(self._f("commitments.text", r["id"]), r["text"]), r["id"]))
            self.add_vault_entries(cid, [
                (r["type"], r["key"], r["surface"], r["placeholder"], r["origin"])
                for r in self.db.execute("SELECT * FROM vault WHERE client_id = ? ORDER BY rowid", (cid,))
            ])
        self.db.execute("DELETE FROM vault")
        for r in list(self.db.execute("SELECT id, client_id, prompt FROM prompts")):
            k = self._key(r["client_id"])
            self.db.execute("UPDATE prompts SET prompt = ? WHERE id = ?", (k.seal(self._f("prompts.prompt", r["id"]), r["prompt"]), r["id"]))

    # clients -----------------------------------------------------------------------------------
    def add_client(self, name: str, aliases: Iterable[str] = ()) -> Client:
        client = Client(id=secrets.token_hex(4), name=" ".join(name.split()), aliases=tuple(aliases), created=now_iso())
        lookup = self._key(None).lookup(name_key(client.name))
        wrapped = self._new_client_key(client.id)
        k = self._keys[client.id]
        self.db.execute(
            "INSERT INTO clients (id, name, name_key, aliases, created, data_key) VALUES (?, ?, ?, ?, ?, ?)",
            (client.id, k.seal("clients.name", client.name), lookup,
             k.seal("clients.aliases", json.dumps(list(client.aliases))), client.created, wrapped),
        )
        return client

    def _client(self, row: sqlite3.Row) -> Client:
        k = self._key(row["id"])
        return Client(
            id=row["id"], name=k.open("clients.name", row["name"]),
            aliases=tuple(json.loads(k.open("clients.aliases", row["aliases"]))), created=row["created"],
        )

    def clients(self) -> list[Client]:
        found = [self._client(r) for r in self.db.execute("SELECT * FROM clients")]
        return sorted(found, key=lambda c: (name_key(c.name), c.id))

    def client_ids(self) -> list[str]:
        return [r["id"] for r in self.db.execute("SELECT id FROM clients ORDER BY id")]

    def client_by_key(self, key: str) -> Client | None:
        """A client by exact id or by name (case-insensitive)."""
        row = self.db.execute(
            "SELECT * FROM clients WHERE id = ? OR name_key = ?", (key.strip().lower(), self._key(None).lookup(name_key(key)))
        ).fetchone()
        return self._client(row) if row else None

    def set_client_aliases(self, client_id: str, aliases: list[str]) -> None:
        k = self._key(client_id)
        self.db.execute("UPDATE clients SET aliases = ? WHERE id = ?", (k.seal("clients.aliases", json.dumps(aliases)), client_id))

    def digest(self, client_id: str, text: str) -> str:
        """A keyed digest of a passage (the client's lookup key): the index keeps it to show which
        text a vector came from; it reveals nothing without the key."""
        return self._key(client_id).lookup("passage\x00" + text)[:24]

    def delete_client(self, client_id: str) -> None:
        self.db.execute("DELETE FROM clients WHERE id = ?", (client_id,))
        self._keys.pop(client_id, None)

    # roster ------------------------------------------------------------------------------------
    def add_person(self, client_id: str, name: str, aliases: Iterable[str], role: str | None, kind: str) -> Person:
        k = self._key(client_id)
        cur = self.db.execute(
            "INSERT INTO people (client_id, name, aliases, role, kind, created) VALUES (?, X'', X'', NULL, ?, ?)", (client_id, kind, now_iso()),
        )
        pid = int(cur.lastrowid)
        self.db.execute(
            "UPDATE people SET name = ?, aliases = ?, role = ? WHERE id = ?",
            (k.seal(self._f("people.name", pid), " ".join(name.split())), k.seal(self._f("people.aliases", pid), json.dumps(list(aliases))),
             k.seal(self._f("people.role", pid), role) if role is not None else None, pid),
        )
        return self.person(pid)

    def _person(self, r: sqlite3.Row) -> Person:
        k = self._key(r["client_id"])
        return Person(
            r["id"], r["client_id"], k.open(self._f("people.name", r["id"]), r["name"]),
            tuple(json.loads(k.open(self._f("people.aliases", r["id"]), r["aliases"]))),
            k.open(self._f("people.role", r["id"]), r["role"]) if r["role"] is not None else None, r["kind"],
        )

    def person(self, person_id: int) -> Person:
        return self._person(self.db.execute("SELECT * FROM people WHERE id = ?", (person_id,)).fetchone())

    def people(self, client_id: str) -> list[Person]:
        return [self._person(r) for r in self.db.execute("SELECT * FROM people WHERE client_id = ? ORDER BY id", (client_id,))]

    def set_person_aliases(self, person_id: int, client_id: str, aliases: list[str]) -> None:
        k = self._key(client_id)
        self.db.execute(
            "UPDATE people SET aliases = ? WHERE id = ? AND client_id = ?",
            (k.seal(self._f("people.aliases", person_id), json.dumps(aliases)), person_id, client_id)
        )

    def people_count(self, client_id: str) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM people WHERE client_id = ?", (client_id,)).fetchone()[0])

    # notes -------------------------------------------------------------------------------------
    def add_note(self, client_id: str, when: date, original: str, redacted: str) -> int:
        k = self._key(client_id)
        cur = self.db.execute(
            "INSERT INTO notes (client_id, date, original, redacted, created) VALUES (?, ?, X'', X'', ?)", (client_id, when.isoformat(), now_iso()),
        )
        nid = int(cur.lastrowid)
        self.db.execute(
            "UPDATE notes SET original = ?, redacted = ? WHERE id = ?",
            (k.seal(self._f("notes.original", nid), original), k.seal(self._f("notes.redacted", nid), redacted), nid),
        )
        return nid

    def _note(self, r: sqlite3.Row) -> Note:
        k = self._key(r["client_id"])
        return Note(
            r["id"], r["client_id"], date.fromisoformat(r["date"]), k.open(self._f("notes.original", r["id"]), r["original"]),
            k.open(self._f("notes.redacted", r["id"]), r["redacted"]),
        )

    def notes(self, client_id: str) -> list[Note]:
        """A client's notes, oldest session first."""
        return [self._note(r) for r in self.db.execute("SELECT * FROM notes WHERE client_id = ? ORDER BY date, id", (client_id,))]

    def note(self, client_id: str, note_id: int) -> Note | None:
        row = self.db.execute("SELECT * FROM notes WHERE client_id = ? AND id = ?", (client_id, note_id)).fetchone()
        return self._note(row) if row else None

    def note_dates(self, client_id: str) -> list[tuple[int, str]]:
        """(id, date) of a client's notes, oldest first, without opening them."""
        return [(r["id"], r["date"]) for r in self.db.execute(
            "SELECT id, date FROM notes WHERE client_id = ? ORDER BY date, id", (client_id,))]

    def update_note(self, client_id: str, note_id: int, when: date, original: str, redacted: str) -> None:
        k = self._key(client_id)
        self.db.execute(
            "UPDATE notes SET date = ?, original = ?, redacted = ? WHERE client_id = ? AND id = ?",
            (when.isoformat(), k.seal(self._f("notes.original", note_id), original), k.seal(self._f("notes.redacted", note_id), redacted), client_id, note_id),
        )

    def set_redacted(self, client_id: str, note_id: int, redacted: str) -> None:
        """Store a note's redacted text anew (re-redaction); the original is untouched."""
        k = self._key(client_id)
        self.db.execute(
            "UPDATE notes SET redacted = ? WHERE client_id = ? AND id = ?", (k.seal(self._f("notes.redacted", note_id), redacted), client_id, note_id)
        )

    def delete_note(self, client_id: str, note_id: int) -> None:
        self.db.execute("DELETE FROM commitments WHERE client_id = ? AND note_id = ?", (client_id, note_id))
        self.db.execute("DELETE FROM notes WHERE client_id = ? AND id = ?", (client_id, note_id))

    def set_note_date(self, client_id: str, note_id: int, when: date) -> None:
        self.db.execute("UPDATE notes SET date = ? WHERE client_id = ? AND id = ?", (when.isoformat(), client_id, note_id))

    def mark_reredact(self, client_id: str) -> None:
        self.db.execute("INSERT OR IGNORE INTO reredact_pending (client_id) VALUES (?)", (client_id,))

    def clear_reredact(self, client_id: str) -> None:
        self.db.execute("DELETE FROM reredact_pending WHERE client_id = ?", (client_id,))

    def reredact_pending(self, client_id: str) -> bool:
        return self.db.execute("SELECT 1 FROM reredact_pending WHERE client_id = ?", (client_id,)).fetchone() is not None

    def note_count(self, client_id: str) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM notes WHERE client_id = ?", (client_id,)).fetchone()[0])

    # pseudonym map -----------------------------------------------------------------------------
    def vault(self, client_id: str) -> list[tuple[str, str, str, str, str]]:
        """(type, key, surface, placeholder, origin) rows of one client's map, in insertion order."""
        rows = list(self.db.execute("SELECT lookup, entry FROM map WHERE client_id = ? ORDER BY rowid", (client_id,)))
        k = self._key(client_id) if rows else None
        return [tuple(json.loads(k.open(self._f("map.entry", r["lookup"]), r["entry"]))) for r in rows]

    def add_vault_entries(self, client_id: str, rows: Iterable[tuple[str, str, str, str, str]]) -> None:
        k = self._key(client_id)
        self.db.executemany(
            "INSERT OR IGNORE INTO map (client_id, lookup, entry) VALUES (?, ?, ?)",
            [(client_id, lookup, k.seal(self._f("map.entry", lookup), json.dumps(list(row))))
             for row in rows for lookup in [k.lookup(f"{row[0]}\x00{row[1]}")]],
        )

    def save_map(self, client_id: str, pmap) -> None:
        """Write what changed in a client's pseudonym map since it was loaded: new entries, re-pointed
        or merged ones (replaced in place, keeping their order) and removed ones (deleted; with
        secure_delete on, their pages are zeroed)."""
        k = self._key(client_id)

        def lookup(row) -> str:
            return k.lookup(f"{row[0]}\x00{row[1]}")

        for old, new in pmap.changed_rows:
            sealed = k.seal(self._f("map.entry", lookup(new)), json.dumps(list(new)))
            if lookup(old) == lookup(new):
                self.db.execute("UPDATE map SET entry = ? WHERE client_id = ? AND lookup = ?", (sealed, client_id, lookup(old)))
            else:
                self.db.execute("DELETE FROM map WHERE client_id = ? AND lookup = ?", (client_id, lookup(old)))
                self.db.execute("INSERT OR REPLACE INTO map (client_id, lookup, entry) VALUES (?, ?, ?)", (client_id, lookup(new), sealed))
        self.db.executemany("DELETE FROM map WHERE client_id = ? AND lookup = ?", [(client_id, lookup(r)) for r in pmap.removed_rows])
        self.add_vault_entries(client_id, pmap.new_rows)
        pmap.new_rows.clear()
        pmap.changed_rows.clear()
        pmap.removed_rows.clear()

    # commitments -------------------------------------------------------------------------------
    def add_commitments(self, client_id: str, note_id: int, texts: Iterable[str]) -> None:
        k = self._key(client_id)
        for t in texts:
            cur = self.db.execute("INSERT INTO commitments (client_id, note_id, text, created) VALUES (?, ?, X'', ?)", (client_id, note_id, now_iso()))
            self.db.execute("UPDATE commitments SET text = ? WHERE id = ?", (k.seal(self._f("commitments.text", cur.lastrowid), t), cur.lastrowid))

    def commitments(self, client_id: str) -> list[dict]:
        """(id, note_id, date, text, status) of a client's commitments, in session order."""
        rows = list(self.db.execute(
            "SELECT c.id, c.note_id, n.date, c.text, c.status FROM commitments c JOIN notes n ON n.id = c.note_id "
            "WHERE c.client_id = ? ORDER BY n.date, c.id", (client_id,),
        ))
        k = self._key(client_id) if rows else None
        return [
            {"id": r["id"], "note_id": r["note_id"], "date": r["date"], "text": k.open(self._f("commitments.text", r["id"]), r["text"]), "status": r["status"]}
            for r in rows
        ]

    def refresh_commitments(self, client_id: str, note_id: int, texts: list[str]) -> None:
        """Re-derive a note's commitments (after the extraction rules change), keeping the coach's
        statuses: new ones are added, vanished ones without a status set by the coach are removed."""
        k = self._key(client_id)
        existing = {k.open(self._f("commitments.text", r["id"]), r["text"]): r for r in self.db.execute(
            "SELECT id, text, status FROM commitments WHERE client_id = ? AND note_id = ?", (client_id, note_id))}
        self.add_commitments(client_id, note_id, [t for t in texts if t not in existing])
        for text, row in existing.items():
            if text not in texts and row["status"] is None:
                self.db.execute("DELETE FROM commitments WHERE id = ?", (row["id"],))

    def replace_commitments(self, client_id: str, note_id: int, texts: list[str], scrub=None) -> None:
        """A re-redacted note's commitments: each new text is paired with the stored commitment it is
        the same as once placeholders and names are set aside (never by position: two commitments of
        one note must not swap the coach's statuses), keeping its id and status. A stored one left
        unpaired is removed, unless the coach set its status: then it stays, with ``scrub`` applied
        to its text (the current map), so it never keeps a name now redacted."""
        import difflib

        from reflect.core.redaction.gate import PLACEHOLDER_RE

        k = self._key(client_id)

        def skeleton(text: str) -> str:
            return " ".join(PLACEHOLDER_RE.sub(" ", text).split()).casefold()

        rows = [
            {"id": r["id"], "status": r["status"], "text": k.open(self._f("commitments.text", r["id"]), r["text"])}
            for r in self.db.execute("SELECT id, text, status FROM commitments WHERE client_id = ? AND note_id = ? ORDER BY id", (client_id, note_id))
        ]
        pairs = sorted(
            ((difflib.SequenceMatcher(None, skeleton(row["text"]), skeleton(text)).ratio(), i, j)
             for i, row in enumerate(rows) for j, text in enumerate(texts)),
            reverse=True,
        )
        used_rows: set[int] = set()
        used_texts: set[int] = set()
        for ratio, i, j in pairs:
            if ratio < 0.6 or i in used_rows or j in used_texts:
                continue
            used_rows.add(i)
            used_texts.add(j)
            self.db.execute("UPDATE commitments SET text = ? WHERE id = ?", (k.seal(self._f("commitments.text", rows[i]["id"]), texts[j]), rows[i]["id"]))
        for i, row in enumerate(rows):
            if i in used_rows:
                continue
            if row["status"] is None:
                self.db.execute("DELETE FROM commitments WHERE id = ?", (row["id"],))
            elif scrub is not None:
                self.db.execute("UPDATE commitments SET text = ? WHERE id = ?", (k.seal(self._f("commitments.text", row["id"]), scrub(row["text"])), row["id"]))
        self.add_commitments(client_id, note_id, [t for j, t in enumerate(texts) if j not in used_texts])

    def scrub_commitments(self, client_id: str, scrub) -> int:
        """Apply ``scrub`` (the current map) to every commitment text of a client; returns how many changed."""
        k = self._key(client_id)
        changed = 0
        for r in list(self.db.execute("SELECT id, text FROM commitments WHERE client_id = ?", (client_id,))):
            text = k.open(self._f("commitments.text", r["id"]), r["text"])
            clean = scrub(text)
            if clean != text:
                self.db.execute("UPDATE commitments SET text = ? WHERE id = ?", (k.seal(self._f("commitments.text", r["id"]), clean), r["id"]))
                changed += 1
        return changed

    def set_commitment_status(self, client_id: str, commitment_id: int, status: str | None) -> bool:
        cur = self.db.execute(
            "UPDATE commitments SET status = ? WHERE client_id = ? AND id = ?", (status, client_id, commitment_id)
        )
        return cur.rowcount == 1

    def open_commitment_count(self, client_id: str) -> int:
        return int(self.db.execute(
            "SELECT COUNT(*) FROM commitments WHERE client_id = ? AND (status IS NULL OR status = 'open')", (client_id,)
        ).fetchone()[0])

    # prompts (audit) ---------------------------------------------------------------------------
    def record_prompt(self, client_id: str | None, purpose: str, prompt: str) -> None:
        cur = self.db.execute("INSERT INTO prompts (at, client_id, purpose, prompt) VALUES (?, ?, ?, X'')", (now_iso(), client_id, purpose))
        self.db.execute("UPDATE prompts SET prompt = ? WHERE id = ?",
                        (self._key(client_id).seal(self._f("prompts.prompt", cur.lastrowid), prompt), cur.lastrowid))

    def prompts(self, client_id: str | None = None) -> list[dict[str, str | None]]:
        sql = "SELECT p.id, p.at, p.client_id, p.purpose, p.prompt FROM prompts p"
        args: tuple[str, ...] = ()
        if client_id:
            sql += " WHERE p.client_id = ?"
            args = (client_id,)
        rows = [dict(r) for r in self.db.execute(sql + " ORDER BY p.id", args)]
        for row in rows:
            row["prompt"] = self._key(row["client_id"]).open(self._f("prompts.prompt", row.pop("id")), row["prompt"])
        return rows

    # maintenance -------------------------------------------------------------------------------
    def integrity_ok(self) -> bool:
        return self.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

    def copy_to(self, target: Path) -> None:
        """A consistent copy of the whole database (SQLite's online backup), private from the start."""
        fd = os.open(target, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
        os.close(fd)
        out = sqlite3.connect(target)
        try:
            self.db.backup(out)
        finally:
            out.close()

