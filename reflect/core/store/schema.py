"""The store's tables, and how they change: ``MIGRATIONS``, applied in order by ``StoreBase`` (which
records the version reached in ``PRAGMA user_version``), and the timestamp format of every ``created``
and ``at`` column.

Migrations are append only: never edit a shipped one. A store written by a newer reflect (a higher
version than ``len(MIGRATIONS)``) is refused, never downgraded.
"""

from __future__ import annotations

from datetime import datetime, timezone

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
    # v6: the status reflect inferred for each commitment, kept when notes are written (NULL: not yet
    # inferred, or its notes changed since), so counting open commitments needs no model at start-up.
    # A status, like the coach's, is not sensitive (README: what is not encrypted).
    """
    ALTER TABLE commitments ADD COLUMN inferred TEXT CHECK (inferred IN ('open', 'done', 'dropped'));
    """,
    # v7: the engagement's goals (why the client came), in the coach's words: the text redacted with
    # the client's map, sealed and bound to its row. Status, day written and order are in clear, like
    # a commitment's status. Erased with the client (ON DELETE CASCADE).
    """
    CREATE TABLE goals (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        client_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
        text BLOB NOT NULL,
        status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'achieved', 'dropped')),
        position INTEGER,
        created TEXT NOT NULL
    );
    CREATE INDEX goals_client ON goals(client_id);
    """,
]


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
