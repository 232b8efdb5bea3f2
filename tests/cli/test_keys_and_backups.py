"""Encryption at rest through the CLI: first use, `reflect init`, a wrong or missing passphrase (one
line, nothing touched), changing the passphrase, and encrypted backups that round-trip a practice
and refuse a wrong passphrase, a damaged file or someone else's archive."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_cli import MARIA, fails, fakes, ok, run  # noqa: F401 - fakes is an autouse fixture
from tests.conftest import TEST_PASSPHRASE


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def practice(tmp_path: Path, isolated_home: Path) -> Path:
    ok("client", "add", MARIA, "--alias", "Mari")
    ok("person", "add", MARIA, "Tom Becker", "--role", "boss")
    f = tmp_path / "2026-11-01.md"
    f.write_text("Mari spoke with Tom about delegation. She agreed to draft the delegation plan by Friday.")
    ok("note", "add", MARIA, str(f))
    ok("client", "add", "Kenji Watanabe")
    ok("note", "add", "Kenji Watanabe", "-", "--date", "2026-11-02", input="Kenji on a hard conversation with his CFO.")
    return isolated_home


def test_init_sets_up_encryption_and_is_safe_to_run_twice(isolated_home: Path) -> None:
    first = ok("init").stdout
    assert "is now encrypted" in first and "Argon2id 64 MiB" in first
    assert "already encrypted" in ok("init").stdout
    doctor = json.loads(run("doctor", "--json").stdout)
    [check] = [c for c in doctor["checks"] if c["name"] == "encryption at rest"]
    assert check["ok"] is True and "AES-256-GCM" in check["detail"]


def test_no_passphrase_and_no_terminal_is_one_line_and_leaves_no_store(isolated_home: Path, monkeypatch) -> None:
    monkeypatch.delenv("REFLECT_PASSPHRASE")
    line = fails("client", "add", MARIA, code=7)
    assert "REFLECT_PASSPHRASE" in line
    assert not (isolated_home / "reflect.db").exists()


def test_weak_new_passphrase_is_refused(isolated_home: Path, monkeypatch) -> None:
    monkeypatch.setenv("REFLECT_PASSPHRASE", "short")
    assert "at least 8 characters" in fails("init", code=7)
    assert not (isolated_home / "reflect.db").exists()


def test_wrong_passphrase_is_one_line_and_changes_no_byte(practice: Path, monkeypatch, tmp_path: Path) -> None:
    before = _files(practice)
    monkeypatch.setenv("REFLECT_PASSPHRASE", "not the right passphrase")
    for args in (("client", "list"), ("note", "show", MARIA, "1"), ("client", "add", "Aisling O'Brien"),
                 ("forget", MARIA, "--yes"), ("backup", str(tmp_path / "b.age")), ("reindex",), ("passphrase",)):
        assert "wrong passphrase" in fails(*args, code=7), args
    assert _files(practice) == before
    assert not (tmp_path / "b.age").exists()


def test_changing_the_passphrase_rewraps_keys_and_keeps_every_note(practice: Path, monkeypatch) -> None:
    sealed_before = {k: v for k, v in _files(practice).items() if k.startswith("index/")}
    monkeypatch.setenv("REFLECT_NEW_PASSPHRASE", "a brand new passphrase")
    assert "3 keys re-wrapped, no note re-encrypted" in ok("passphrase").stdout  # practice key + 2 clients
    assert "wrong passphrase" in fails("client", "list", code=7)
    monkeypatch.setenv("REFLECT_PASSPHRASE", "a brand new passphrase")
    assert "Mari spoke with Tom" in ok("note", "show", MARIA, "1").stdout
    assert {k: v for k, v in _files(practice).items() if k.startswith("index/")} == sealed_before
    monkeypatch.setenv("REFLECT_NEW_PASSPHRASE", "short")
    assert "at least 8" in fails("passphrase", code=7)


def _snapshot() -> dict:
    return {
        "clients": json.loads(ok("client", "list", "--json").stdout),
        "note": json.loads(ok("note", "show", MARIA, "1", "--json").stdout),
        "redacted": json.loads(ok("note", "show", MARIA, "1", "--redacted", "--json").stdout),
        "commitments": json.loads(ok("commitment", "list", MARIA, "--json").stdout),
        "search": json.loads(ok("search", "Kenji Watanabe", "conversation with the CFO", "--json").stdout),
    }


def test_backup_and_restore_round_trip_a_practice(practice: Path, tmp_path: Path, monkeypatch) -> None:
    ok("commitment", "done", MARIA, "1")
    before = _snapshot()
    archive = tmp_path / "practice-backup.age"
    out = ok("backup", str(archive)).stdout
    assert "2 clients and 2 notes" in out
    assert oct(archive.stat().st_mode & 0o777) == "0o600"
    raw = archive.read_bytes()
    assert raw.startswith(b"age-encryption.org/v1") and b"Gonzalez" not in raw and b"SQLite" not in raw
    assert "already exists" in fails("backup", str(archive), code=2)

    elsewhere = tmp_path / "restored"
    monkeypatch.setenv("REFLECT_HOME", str(elsewhere))
    assert "restored 2 clients and 2 notes" in ok("restore", str(archive)).stdout
    assert _snapshot() == before
    assert json.loads(run("doctor", "--json").stdout)["ok"] is True

    # A practice already there is only replaced when asked to.
    assert "--replace" in fails("restore", str(archive), code=2)
    ok("client", "add", "Aisling O'Brien")
    ok("restore", str(archive), "--replace")
    assert [c["name"] for c in json.loads(ok("client", "list", "--json").stdout)["clients"]] == ["Kenji Watanabe", MARIA]


def test_restore_refuses_wrong_passphrase_damage_and_foreign_archives(practice: Path, tmp_path: Path, monkeypatch) -> None:
    import pyrage

    archive = tmp_path / "b.age"
    ok("backup", str(archive))
    target = tmp_path / "target"
    monkeypatch.setenv("REFLECT_HOME", str(target))

    monkeypatch.setenv("REFLECT_PASSPHRASE", "not the right passphrase")
    assert "wrong passphrase" in fails("restore", str(archive), code=7)
    monkeypatch.setenv("REFLECT_PASSPHRASE", TEST_PASSPHRASE)

    damaged = tmp_path / "damaged.age"
    data = bytearray(archive.read_bytes())
    data[len(data) // 2] ^= 0x01
    damaged.write_bytes(bytes(data))
    assert "damaged" in fails("restore", str(damaged), code=7)

    foreign = tmp_path / "foreign.age"
    foreign.write_bytes(pyrage.passphrase.encrypt(b"just some bytes, not a tar", TEST_PASSPHRASE))
    assert "not a reflect backup" in fails("restore", str(foreign), code=8)

    assert "does not exist" in fails("restore", str(tmp_path / "missing.age"), code=2)
    assert not (target / "reflect.db").exists()  # nothing was restored by any of these


def test_passphrase_and_backup_need_an_existing_practice(isolated_home: Path, tmp_path: Path) -> None:
    assert "reflect init" in fails("passphrase", code=3)
    assert "reflect init" in fails("backup", str(tmp_path / "b.age"), code=3)
    assert not (isolated_home / "reflect.db").exists()
