"""`reflect goal ...` and `reflect progress` through the CLI on fakes: the JSON shapes, names redacted
before storage and restored only in `display`, one line and the right exit code for bad input with
nothing stored, and goals surviving `person add`, `reindex`, backup/restore and gone after `forget`."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.test_cli import MARIA, fails, fakes, maria, ok  # noqa: F401 - fixtures


def goals(client: str = MARIA) -> list[dict]:
    return json.loads(ok("goal", "list", client, "--json").stdout)["goals"]


def test_goal_add_list_edit_status_and_delete(maria: Path) -> None:
    added = json.loads(ok("goal", "add", MARIA, "Delegate the deck so Tom Becker trusts the team", "--json").stdout)
    assert added["text"] == "Delegate the deck so [PERSON_1] trusts the team"
    assert added["display"] == "Delegate the deck so Tom Becker trusts the team"
    assert added["status"] == "open" and set(added) >= {"id", "text", "display", "status", "created", "position"}
    second = json.loads(ok("goal", "add", MARIA, "Sleep before midnight", "--json").stdout)["id"]
    assert [g["id"] for g in goals()] == [added["id"], second]
    out = ok("goal", "list", MARIA).stdout
    assert "Tom Becker" in out and "Sleep before midnight" in out
    ok("goal", "done", MARIA, str(added["id"]))
    ok("goal", "drop", MARIA, str(second))
    assert [g["status"] for g in goals()] == ["achieved", "dropped"]
    assert [g["id"] for g in json.loads(ok("goal", "list", MARIA, "--status", "achieved", "--json").stdout)["goals"]] == [added["id"]]
    ok("goal", "open", MARIA, str(second))
    edited = json.loads(ok("goal", "edit", MARIA, str(second), "Sleep before eleven, says Mari", "--json").stdout)
    assert edited["text"] == "Sleep before eleven, says [CLIENT]" and edited["status"] == "open"
    assert "--yes" in fails("goal", "delete", MARIA, str(second), code=2)
    assert len(goals()) == 2
    ok("goal", "delete", MARIA, str(second), "--yes")
    assert [g["id"] for g in goals()] == [added["id"]]


def test_bad_goal_input_is_one_line_and_stores_nothing(maria: Path) -> None:
    ok("goal", "add", MARIA, "Delegate the deck")
    before = goals()
    people = ok("person", "list", MARIA, "--json").stdout
    assert "no goal 99" in fails("goal", "edit", MARIA, "99", "Ask Zorbik Quellan for help", code=3)
    assert "no goal" in fails("goal", "done", MARIA, "99999999999999999999", code=3)
    fails("goal", "drop", MARIA, "0", code=3)
    fails("goal", "delete", MARIA, "42", "--yes", code=3)
    assert "empty" in fails("goal", "add", MARIA, "  ", code=2)
    assert "500" in fails("goal", "add", MARIA, "x" * 600, code=2)
    assert "unknown goal status" in fails("goal", "list", MARIA, "--status", "done", code=2)
    assert "no client" in fails("goal", "add", "Nobody Here", "Delegate", code=3)
    assert goals() == before
    assert ok("person", "list", MARIA, "--json").stdout == people  # no name learned from the refused text


def test_goals_follow_person_add_and_reindex_and_go_with_forget(maria: Path) -> None:
    ok("goal", "add", MARIA, "Stop covering for sunil in reviews")
    assert "sunil" in goals()[0]["text"]  # the fake detector misses a lone first name
    ok("person", "add", MARIA, "Sunil Rao", "--alias", "sunil")
    [goal] = goals()
    assert "sunil" not in goal["text"].lower() and "[PERSON_" in goal["text"] and "Sunil" in goal["display"]
    ok("reindex", MARIA)
    assert goals()[0]["text"] == goal["text"]
    doctor = json.loads(ok("doctor", "--json").stdout)
    assert all(ch["ok"] is not False for ch in doctor["checks"] if ch["name"].startswith("redaction"))
    ok("forget", MARIA, "--yes")
    ok("client", "add", MARIA)
    assert goals() == []


def test_goals_survive_backup_and_restore(maria: Path, tmp_path: Path) -> None:
    ok("goal", "add", MARIA, "Delegate the deck to the team")
    archive = tmp_path / "practice.age"
    ok("backup", str(archive))
    ok("goal", "delete", MARIA, str(goals()[0]["id"]), "--yes")
    assert goals() == []
    ok("restore", str(archive), "--replace")
    assert [g["display"] for g in goals()] == ["Delegate the deck to the team"]


def test_progress_json_and_text(maria: Path, tmp_path: Path) -> None:
    f = tmp_path / "2026-11-15.md"
    f.write_text("Maria will hand the weekly deck to the team by Friday. Tom Becker agreed.")
    ok("note", "add", MARIA, str(f))
    ok("goal", "add", MARIA, "hand the weekly deck to the team")
    ok("goal", "add", MARIA, "cello lessons")
    data = json.loads(ok("progress", MARIA, "--json").stdout)
    assert data["sessions"] == 2 and [g["display"] for g in data["goals"]] == ["hand the weekly deck to the team", "cello lessons"]
    deck, cello = data["goals"]
    assert [s["date"] for s in deck["sessions"]] == ["2026-11-01", "2026-11-15"]  # both speak of the deck
    assert deck["evidence"]["date"] == "2026-11-15" and deck["evidence"]["note_id"] == deck["sessions"][-1]["note_id"] and "chunk" in deck["evidence"]
    assert "Tom" not in deck["evidence"]["text"] and "Tom Becker" in deck["evidence"]["display"]
    assert deck["commitments_open"] == 1 and deck["commitments"][0]["text"].startswith("[CLIENT] will hand")
    assert cello["sessions"] == [] and cello["evidence"] is None and cello["commitments"] == []
    text = ok("progress", MARIA).stdout
    assert "talked about in 2 of 2 sessions" in text and "Maria Gonzalez will hand" in text and "not talked about" in text


def test_progress_without_goals_says_so(maria: Path) -> None:
    assert "No goals written down for Maria Gonzalez" in ok("progress", MARIA).stdout
    assert json.loads(ok("progress", MARIA, "--json").stdout)["goals"] == []
