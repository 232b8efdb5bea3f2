"""The store: migrations move an old database forward without losing rows; files are private; every
identifying field is sealed at rest, a wrong passphrase changes nothing, a new one re-wraps keys only."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import pytest

from reflect.core.crypto import KdfParams
from reflect.core.errors import CorruptDataError, PassphraseError
from reflect.core.store import MIGRATIONS, Store

FAST = KdfParams(memory_kib=64, iterations=1, lanes=1)
PASS = "a long test passphrase"


def _all_bytes(directory: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file())


def test_migration_from_v1_seals_every_legacy_row_and_leaves_no_plaintext(tmp_path: Path) -> None:
    path = tmp_path / "reflect.db"
    db = sqlite3.connect(path)
    db.executescript(MIGRATIONS[0])
    db.execute("PRAGMA user_version = 1")
    db.execute("INSERT INTO clients (id, name, name_key, aliases, created) VALUES ('abcd1234', 'Quillon Marsh', 'quillon marsh', '[\"Quill\"]', 'now')")
    db.execute("INSERT INTO people (client_id, name, aliases, role, kind, created) VALUES ('abcd1234', 'Raj Zephyrine', '[]', 'boss', 'PERSON', 'now')")
    db.execute("INSERT INTO notes (client_id, date, original, redacted, created) VALUES ('abcd1234', '2026-01-05', 'Quillon felt Zanzibarcanary', '[CLIENT] felt Zanzibarcanary', 'now')")
    db.execute("INSERT INTO vault VALUES ('abcd1234', 'PERSON', 'raj zephyrine', 'Raj Zephyrine', '[PERSON_1]')")
    db.execute("INSERT INTO prompts (at, client_id, purpose, prompt) VALUES ('now', 'abcd1234', 'questions', 'prompt Zanzibarcanary')")
    db.commit()
    db.close()
    store = Store(path)
    assert store.schema_version == len(MIGRATIONS)
    assert not store.has_keys
    store.setup(PASS, FAST)
    assert store.vault("abcd1234") == [("PERSON", "raj zephyrine", "Raj Zephyrine", "[PERSON_1]", "learned")]
    assert store.client_by_key("QUILLON marsh").aliases == ("Quill",)
    assert store.notes("abcd1234")[0].original == "Quillon felt Zanzibarcanary"
    assert store.people("abcd1234")[0].role == "boss"
    assert store.prompts("abcd1234")[0]["prompt"] == "prompt Zanzibarcanary"
    store.close()
    raw = _all_bytes(tmp_path)
    for canary in (b"Quillon", b"Zephyrine", b"Zanzibarcanary", b"quillon marsh", b"boss"):
        assert canary not in raw
    reopened = Store(path)
    reopened.unlock(PASS)
    assert [c.name for c in reopened.clients()] == ["Quillon Marsh"]
    reopened.close()


def test_new_database_is_private(tmp_path: Path) -> None:
    store = Store(tmp_path / "reflect.db")
    assert oct((tmp_path / "reflect.db").stat().st_mode & 0o777) == "0o600"
    assert store.integrity_ok()
    store.close()


def _seeded(tmp_path: Path) -> Store:
    store = Store(tmp_path / "reflect.db")
    store.setup(PASS, FAST)
    with store.transaction():
        c = store.add_client("Quillon Marsh", ["Quill"])
        store.add_person(c.id, "Raj Zephyrine", [], "boss", "PERSON")
        note_id = store.add_note(c.id, date(2026, 1, 5), "Quillon felt Zanzibarcanary", "[CLIENT] felt Zanzibarcanary")
        store.add_commitments(c.id, note_id, ["[CLIENT] will write Zanzibarcommit"])
        store.add_vault_entries(c.id, [("PERSON", "raj zephyrine", "Raj Zephyrine", "[PERSON_1]", "roster")])
        store.record_prompt(c.id, "questions", "prompt Zanzibarprompt")
    return store


def test_fields_are_sealed_at_rest_and_names_are_found_by_keyed_lookup(tmp_path: Path) -> None:
    store = _seeded(tmp_path)
    cid = store.clients()[0].id
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw = _all_bytes(tmp_path)
    for canary in (b"Quillon", b"Quill", b"Zephyrine", b"Zanzibar", b"quillon marsh", b"PERSON_1", b"boss"):
        assert canary not in raw, canary
    assert store.client_by_key("quillon MARSH").id == cid
    assert store.client_by_key(cid).name == "Quillon Marsh"
    assert store.client_by_key("Quill") is None  # aliases are not lookup keys
    assert store.commitments(cid)[0]["text"] == "[CLIENT] will write Zanzibarcommit"
    store.close()


def test_wrong_passphrase_is_a_clear_error_and_changes_no_byte(tmp_path: Path) -> None:
    _seeded(tmp_path).close()
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    store = Store(tmp_path / "reflect.db")
    with pytest.raises(PassphraseError, match="wrong passphrase"):
        store.unlock("not the passphrase")
    with pytest.raises(PassphraseError, match="locked"):
        store.clients()
    store.close()
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_changing_the_passphrase_rewraps_keys_without_touching_notes(tmp_path: Path) -> None:
    store = _seeded(tmp_path)
    cid = store.clients()[0].id
    sealed_note = store.db.execute("SELECT original FROM notes").fetchone()[0]
    assert store.change_passphrase("an entirely new passphrase") == 2  # practice key + one client key
    assert store.db.execute("SELECT original FROM notes").fetchone()[0] == sealed_note  # not re-encrypted
    store.close()
    store = Store(tmp_path / "reflect.db")
    with pytest.raises(PassphraseError):
        store.unlock(PASS)
    store.unlock("an entirely new passphrase")
    assert store.notes(cid)[0].original == "Quillon felt Zanzibarcanary"
    with pytest.raises(PassphraseError, match="at least"):
        store.change_passphrase("short")
    store.close()


def test_a_sealed_value_moved_to_another_field_or_altered_fails_authentication(tmp_path: Path) -> None:
    store = _seeded(tmp_path)
    cid = store.clients()[0].id
    with store.transaction():
        store.db.execute("UPDATE notes SET original = redacted")  # same key, different field
    with pytest.raises(CorruptDataError, match="failed authentication"):
        store.notes(cid)
    with store.transaction():
        blob = bytearray(store.db.execute("SELECT text FROM commitments").fetchone()[0])
        blob[-1] ^= 1
        store.db.execute("UPDATE commitments SET text = ?", (bytes(blob),))
    with pytest.raises(CorruptDataError):
        store.commitments(cid)
    store.close()


def test_a_practice_is_set_up_once(tmp_path: Path) -> None:
    store = _seeded(tmp_path)
    with pytest.raises(PassphraseError, match="already has a passphrase"):
        store.setup(PASS, FAST)
    store.close()
    fresh = Store(tmp_path / "other.db")
    with pytest.raises(PassphraseError, match="at least"):
        fresh.setup("short", FAST)
    assert not fresh.has_keys
    fresh.close()


def test_purge_waits_for_a_reader_so_no_old_page_of_a_forgotten_client_survives(tmp_path: Path) -> None:
    """A read-only command (allowed while the app is open) holds a snapshot during `forget`: the
    final checkpoint waits for the reader, then not one sealed byte of the client is left."""
    import threading
    import time

    store = _seeded(tmp_path)
    cid = store.clients()[0].id
    wrapped = bytes(store.db.execute("SELECT data_key FROM clients").fetchone()[0])
    reader = sqlite3.connect(f"{(tmp_path / 'reflect.db').as_uri()}?mode=ro", uri=True, check_same_thread=False)
    reader.execute("BEGIN")
    reader.execute("SELECT COUNT(*) FROM notes").fetchone()  # a snapshot that pins the old pages

    def finish_reading() -> None:
        time.sleep(0.5)
        reader.execute("COMMIT")
        reader.close()

    thread = threading.Thread(target=finish_reading)
    thread.start()
    with store.transaction():
        store.delete_client(cid)
    assert store.purge() is True
    thread.join()
    store.close()
    assert wrapped[1:29] not in _all_bytes(tmp_path)


def test_sealed_values_are_bound_to_their_row(tmp_path: Path) -> None:
    """Swapping the sealed originals (or commitments, or map entries) of two rows of the same client
    and field opened silently before schema v5; now it fails authentication."""
    store = _seeded(tmp_path)
    cid = store.clients()[0].id
    with store.transaction():
        second = store.add_note(cid, date(2026, 1, 12), "Second Zanzibarnote", "Second Zanzibarnote")
        store.add_commitments(cid, second, ["[CLIENT] will write Zanzibarsecond"])
    assert [n.original for n in store.notes(cid)] == ["Quillon felt Zanzibarcanary", "Second Zanzibarnote"]
    with store.transaction():
        a, b = [r[0] for r in store.db.execute("SELECT original FROM notes ORDER BY id")]
        store.db.execute("UPDATE notes SET original = ? WHERE id = (SELECT MIN(id) FROM notes)", (b,))
        store.db.execute("UPDATE notes SET original = ? WHERE id = (SELECT MAX(id) FROM notes)", (a,))
    with pytest.raises(CorruptDataError, match="failed authentication"):
        store.notes(cid)
    with store.transaction():
        x, y = [r[0] for r in store.db.execute("SELECT text FROM commitments ORDER BY id")]
        store.db.execute("UPDATE commitments SET text = ? WHERE id = (SELECT MIN(id) FROM commitments)", (y,))
    with pytest.raises(CorruptDataError):
        store.commitments(cid)
    store.close()


def test_an_altered_wrapped_key_is_reported_as_altered_not_as_a_wrong_passphrase(tmp_path: Path) -> None:
    store = _seeded(tmp_path)
    cid = store.clients()[0].id
    store.close()
    db = sqlite3.connect(tmp_path / "reflect.db")
    blob = bytearray(db.execute("SELECT data_key FROM clients").fetchone()[0])
    blob[-1] ^= 1
    db.execute("UPDATE clients SET data_key = ?", (bytes(blob),))
    db.commit()
    store = Store(tmp_path / "reflect.db")
    store.unlock(PASS)
    with pytest.raises(CorruptDataError, match="altered"):
        store.notes(cid)
    store.close()
    blob = bytearray(db.execute("SELECT practice_key FROM crypto").fetchone()[0])
    blob[-1] ^= 1
    db.execute("UPDATE crypto SET practice_key = ?", (bytes(blob),))
    db.commit()
    db.close()
    store = Store(tmp_path / "reflect.db")
    with pytest.raises(CorruptDataError, match="altered"):
        store.unlock(PASS)
    with pytest.raises(PassphraseError, match="wrong passphrase"):
        store.unlock("not the passphrase at all")
    store.close()


def test_a_store_sealed_before_row_binding_is_re_sealed_at_unlock(tmp_path: Path) -> None:
    from reflect.core.crypto import SealedKey  # noqa: F401 - the key class the store uses

    store = _seeded(tmp_path)
    cid = store.clients()[0].id
    # Put the rows back as a v4 store wrote them: bound to owner and field only, no check value.
    k = store._key(cid)
    with store.transaction():
        for nid, original, redacted in list(store.db.execute("SELECT id, original, redacted FROM notes")):
            store.db.execute("UPDATE notes SET original = ?, redacted = ? WHERE id = ?",
                             (k.seal("notes.original", k.open(f"notes.original#{nid}", original)),
                              k.seal("notes.redacted", k.open(f"notes.redacted#{nid}", redacted)), nid))
        for pid, prompt in list(store.db.execute("SELECT id, prompt FROM prompts")):
            store.db.execute("UPDATE prompts SET prompt = ? WHERE id = ?", (k.seal("prompts.prompt", k.open(f"prompts.prompt#{pid}", prompt)), pid))
        for cmid, text in list(store.db.execute("SELECT id, text FROM commitments")):
            store.db.execute("UPDATE commitments SET text = ? WHERE id = ?", (k.seal("commitments.text", k.open(f"commitments.text#{cmid}", text)), cmid))
        for lookup, entry in list(store.db.execute("SELECT lookup, entry FROM map")):
            store.db.execute("UPDATE map SET entry = ? WHERE lookup = ?", (k.seal("map.entry", k.open(f"map.entry#{lookup}", entry)), lookup))
        for pid, name, aliases, role in list(store.db.execute("SELECT id, name, aliases, role FROM people")):
            store.db.execute("UPDATE people SET name = ?, aliases = ?, role = ? WHERE id = ?",
                             (k.seal("people.name", k.open(f"people.name#{pid}", name)), k.seal("people.aliases", k.open(f"people.aliases#{pid}", aliases)),
                              k.seal("people.role", k.open(f"people.role#{pid}", role)), pid))
        store.db.execute("UPDATE crypto SET row_bound = 0, verifier = NULL")
    store.close()
    store = Store(tmp_path / "reflect.db")
    store.unlock(PASS)
    assert store.db.execute("SELECT row_bound FROM crypto").fetchone()[0] == 1
    assert store.notes(cid)[0].original == "Quillon felt Zanzibarcanary"
    assert store.people(cid)[0].role == "boss"
    assert store.prompts(cid)[0]["prompt"] == "prompt Zanzibarprompt"
    assert store.vault(cid)[0][2] == "Raj Zephyrine"
    store.close()


def test_a_store_from_a_newer_reflect_is_refused_by_readers_and_writers_alike(tmp_path: Path) -> None:
    from reflect.core.errors import InputError

    _seeded(tmp_path).close()
    db = sqlite3.connect(tmp_path / "reflect.db")
    db.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    db.commit()
    db.close()
    before = (tmp_path / "reflect.db").read_bytes()
    for read_only in (False, True):
        with pytest.raises(InputError, match="newer reflect"):
            Store(tmp_path / "reflect.db", read_only=read_only)
    assert (tmp_path / "reflect.db").read_bytes() == before
