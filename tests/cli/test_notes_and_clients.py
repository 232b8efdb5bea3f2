"""Correcting notes from the CLI and finding a client the way a coach types it."""

from __future__ import annotations

import json
from datetime import date, timedelta

from tests.cli.test_cli import (  # noqa: F401
    MARIA,
    fails,
    fakes,  # noqa: F401
    ok,
)


def _notes(tmp_path, *names: str):
    paths = []
    for name in names:
        path = tmp_path / name
        path.write_text(f"Session notes in {name}: delegation and the board deck.", encoding="utf-8")
        paths.append(str(path))
    return paths


def test_several_files_keep_their_own_dates_unless_same_date_is_asked(tmp_path) -> None:
    ok("client", "add", MARIA)
    files = _notes(tmp_path, "2026-01-05-a.md", "2026-01-12-b.md")
    assert "--same-date" in fails("note", "add", MARIA, *files, "--date", "2026-09-02", code=2)
    added = json.loads(ok("note", "add", MARIA, *files, "--json").stdout)["notes"]
    assert [n["date"] for n in added] == ["2026-01-05", "2026-01-12"]
    more = _notes(tmp_path, "c.md", "d.md")
    added = json.loads(ok("note", "add", MARIA, *more, "--date", "2026-02-02", "--same-date", "--json").stdout)["notes"]
    assert [n["date"] for n in added] == ["2026-02-02", "2026-02-02"]


def test_a_future_date_needs_allow_future(tmp_path) -> None:
    ok("client", "add", MARIA)
    [path] = _notes(tmp_path, "n.md")
    future = (date.today() + timedelta(days=400)).isoformat()
    assert "in the future" in fails("note", "add", MARIA, path, "--date", future, code=2)
    ok("note", "add", MARIA, path, "--date", future, "--allow-future")


def test_delete_and_edit_a_note(tmp_path) -> None:
    ok("client", "add", MARIA)
    files = _notes(tmp_path, "2026-01-05.md", "2026-01-12.md")
    ids = [n["id"] for n in json.loads(ok("note", "add", MARIA, *files, "--json").stdout)["notes"]]
    assert "--yes" in fails("note", "delete", MARIA, str(ids[0]), code=2)
    ok("note", "delete", MARIA, str(ids[0]), "--yes")
    listed = json.loads(ok("note", "list", MARIA, "--json").stdout)["notes"]
    assert [n["id"] for n in listed] == [ids[1]] and listed[0]["number"] == 1
    fails("note", "delete", MARIA, str(ids[0]), "--yes", code=3)
    ok("note", "edit", MARIA, str(ids[1]), "--date", "2026-01-20")
    assert json.loads(ok("note", "list", MARIA, "--json").stdout)["notes"][0]["date"] == "2026-01-20"
    fixed = tmp_path / "fixed.md"
    fixed.write_text("Corrected: she delegated the deck to Tom Becker.", encoding="utf-8")
    ok("note", "edit", MARIA, str(ids[1]), str(fixed))
    shown = json.loads(ok("note", "show", MARIA, str(ids[1]), "--redacted", "--json").stdout)
    assert shown["redacted"].startswith("Corrected: she delegated") and "Tom Becker" not in shown["redacted"]
    assert shown["date"] == "2026-01-20"
    assert "--date" in fails("note", "edit", MARIA, str(ids[1]), code=2)


def test_a_client_is_found_by_alias_prefix_or_accent_free_name_and_near_misses_get_a_hint() -> None:
    ok("client", "add", "Rebecca Hartley", "--alias", "Bex")
    ok("client", "add", "Siobhán Ní Bhriain")
    ok("client", "add", "Rebekah Stone")
    assert "Rebecca Hartley has no notes yet" in ok("note", "list", "BEX").stdout
    assert json.loads(ok("note", "list", "Bex", "--json").stdout) == {"notes": []}
    ok("note", "list", "siobhan ni bhriain")
    ok("note", "list", "Siob")
    assert "more than one client" in fails("note", "list", "Rebe", code=3)
    message = fails("note", "list", "Rebeca Hartley", code=3)
    assert "did you mean 'Rebecca Hartley'?" in message
    assert "'Nobody At All'" in fails("note", "list", "Nobody At All", code=3)


def test_a_new_practice_says_once_that_nothing_recovers_it_without_the_passphrase() -> None:
    from tests.cli.test_cli import run

    first = run("client", "add", MARIA)
    assert first.exit_code == 0
    assert "Nothing can recover the notes without it" in first.stderr and "reflect backup" in first.stderr
    second = run("client", "list")
    assert second.exit_code == 0 and "recover" not in second.stderr


def test_a_wrong_passphrase_on_the_demo_practice_names_the_published_one(monkeypatch) -> None:
    import os
    from pathlib import Path

    from reflect.core.demo import MARKER

    ok("client", "add", MARIA)  # a practice, sealed with the test passphrase
    monkeypatch.setenv("REFLECT_PASSPHRASE", "not the passphrase at all")
    line = fails("client", "list", code=7)
    assert "wrong passphrase" in line and "reflect-demo" not in line  # a coach's own practice: no hint
    (Path(os.environ["REFLECT_HOME"]) / MARKER).write_text("demo")  # the same, marked as the demo's
    assert "'reflect-demo'" in fails("client", "list", code=7)


def test_the_coach_adds_and_rewords_a_commitment_and_it_is_redacted_and_kept(tmp_path) -> None:
    ok("client", "add", MARIA, "--alias", "Mari")
    ok("person", "add", MARIA, "Tom Becker", "--role", "boss")
    [path] = _notes(tmp_path, "2026-01-05.md")
    [note] = json.loads(ok("note", "add", MARIA, path, "--json").stdout)["notes"]
    added = json.loads(ok("commitment", "add", MARIA, str(note["id"]), "Mari will ask Tom Becker for the budget owner role", "--json").stdout)
    assert added["text"] == "[CLIENT] will ask [PERSON_1] for the budget owner role"  # what is stored: redacted
    # shown with the names back (the client's full name: surface forms are issue 16's item 7)
    assert added["display"] == "Maria Gonzalez will ask Tom Becker for the budget owner role" and added["status"] == "open"
    ok("reindex")  # re-deriving the note's commitments keeps what the coach wrote
    listed = json.loads(ok("commitment", "list", MARIA, "--json").stdout)["commitments"]
    assert [c["text"] for c in listed if c["id"] == added["id"]] == [added["text"]]
    ok("commitment", "edit", MARIA, str(added["id"]), "Tom Becker and Mari agreed she owns the budget")
    listed = json.loads(ok("commitment", "list", MARIA, "--json").stdout)["commitments"]
    assert [c["text"] for c in listed if c["id"] == added["id"]] == ["[PERSON_1] and [CLIENT] agreed she owns the budget"]
    entries = json.loads(ok("person", "list", MARIA, "--json").stdout)["entries"]
    assert "has no note" in fails("commitment", "add", MARIA, "999", "Ask Zorbik Lantana for the rota", code=3)
    assert "empty" in fails("commitment", "add", MARIA, str(note["id"]), "  ", code=2)
    assert "has no commitment" in fails("commitment", "edit", MARIA, "999", "Ask Zorbik Lantana for the rota", code=3)
    assert json.loads(ok("person", "list", MARIA, "--json").stdout)["entries"] == entries  # bad input stored nothing
