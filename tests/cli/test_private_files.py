"""Files reflect writes for the coach (`prep --out`, backups): private from the first byte, never
written through a symbolic link, never replacing a file unless --force."""

from __future__ import annotations

import os
import stat

from tests.cli.test_cli import (  # noqa: F401
    MARIA,
    fails,
    fakes,  # noqa: F401
    ok,
)


def _practice_with_a_note(tmp_path) -> None:
    ok("client", "add", MARIA)
    note = tmp_path / "2026-01-05.md"
    note.write_text("Maria wants to delegate the board deck.", encoding="utf-8")
    ok("note", "add", MARIA, str(note))


def test_prep_out_is_private_refuses_to_overwrite_and_never_follows_a_link(tmp_path, monkeypatch) -> None:
    _practice_with_a_note(tmp_path)
    out = tmp_path / "brief.md"
    # No chmod afterwards: a file made readable and fixed later was readable in between.
    monkeypatch.setattr(os, "chmod", lambda *a, **k: None)
    monkeypatch.setattr(type(out), "chmod", lambda *a, **k: None)
    old_umask = os.umask(0)  # the most permissive umask: the file must still be 0600 from the start
    try:
        ok("prep", MARIA, "--out", str(out))
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600 and "Maria" in out.read_text()
    assert "already exists" in fails("prep", MARIA, "--out", str(out), code=2)
    ok("prep", MARIA, "--out", str(out), "--force")

    victim = tmp_path / "victim.txt"
    victim.write_text("untouched")
    link = tmp_path / "link.md"
    link.symlink_to(victim)
    assert "symbolic link" in fails("prep", MARIA, "--out", str(link), "--force", code=2)
    assert victim.read_text() == "untouched"
    dangling = tmp_path / "dangling.md"
    dangling.symlink_to(tmp_path / "nowhere.md")
    fails("prep", MARIA, "--out", str(dangling), code=2)
    assert not (tmp_path / "nowhere.md").exists()
    assert not list(tmp_path.glob(".*.partial"))


def test_backup_is_private_refuses_to_overwrite_and_never_follows_a_link(tmp_path) -> None:
    _practice_with_a_note(tmp_path)
    target = tmp_path / "practice.age"
    ok("backup", str(target))
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    first = target.read_bytes()
    assert "already exists" in fails("backup", str(target), code=2)
    assert target.read_bytes() == first
    ok("backup", str(target), "--force")
    assert target.read_bytes() != first  # a fresh backup (age output is randomised)
    link = tmp_path / "link.age"
    link.symlink_to(tmp_path / "elsewhere.age")
    fails("backup", str(link), "--force", code=2)
    assert not (tmp_path / "elsewhere.age").exists()
