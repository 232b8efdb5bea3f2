"""The store: migrations move an old database forward without losing rows; files are private."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from reflect.core.store import MIGRATIONS, Store


def test_migration_from_v1_keeps_the_map_and_adds_origin(tmp_path: Path) -> None:
    path = tmp_path / "reflect.db"
    db = sqlite3.connect(path)
    db.executescript(MIGRATIONS[0])
    db.execute("PRAGMA user_version = 1")
    db.execute("INSERT INTO clients (id, name, name_key, aliases, created) VALUES ('abcd1234', 'M', 'm', '[]', 'now')")
    db.execute("INSERT INTO vault VALUES ('abcd1234', 'PERSON', 'raj', 'Raj', '[PERSON_1]')")
    db.commit()
    db.close()
    store = Store(path)
    assert store.schema_version == len(MIGRATIONS)
    assert store.vault("abcd1234") == [("PERSON", "raj", "Raj", "[PERSON_1]", "learned")]
    store.close()


def test_new_database_is_private(tmp_path: Path) -> None:
    store = Store(tmp_path / "reflect.db")
    assert oct((tmp_path / "reflect.db").stat().st_mode & 0o777) == "0o600"
    assert store.integrity_ok()
    store.close()
