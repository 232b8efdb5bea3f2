"""The coach's way of fixing a miss, through the CLI: a name put on the roster after the notes is
redacted in them at once (the command says what it did), `person list` shows what is redacted and
where it came from, `person ignore` and `person merge` follow through, `reindex` re-redacts, `audit`
marks prompts sent before a name was put on the roster, and `doctor` reports stored text out of step
with the roster without printing it."""

from __future__ import annotations

import json

from tests.cli.test_cli import (  # noqa: F401  (the fakes fixture comes along)
    MARIA,
    fails,
    fakes,  # noqa: F401
    ok,
)

NOTE = "Session one. sunil from legal pushed back. o’brien mentioned the ERP launch.\n\nAgreed: she will ask sunil for a one to one."


def test_person_add_re_redacts_stored_notes_and_says_so(tmp_path) -> None:
    path = tmp_path / "n.md"
    path.write_text(NOTE, encoding="utf-8")
    ok("client", "add", MARIA)
    [note] = json.loads(ok("note", "add", MARIA, str(path), "--date", "2026-01-05", "--json").stdout)["notes"]
    before = json.loads(ok("note", "show", MARIA, str(note["id"]), "--redacted", "--json").stdout)["redacted"]
    assert "sunil" in before
    ok("questions", MARIA)  # a prompt is recorded while "sunil" is not yet a name

    out = ok("person", "add", MARIA, "Sunil Rao", "--alias", "sunil").stdout
    assert "re-redacted 1 note(s); 2 name(s) newly caught" in out
    after = json.loads(ok("note", "show", MARIA, str(note["id"]), "--redacted", "--json").stdout)["redacted"]
    assert "sunil" not in after.lower() and after.count("[PERSON_1]") == 2
    commitments = json.loads(ok("commitment", "list", MARIA, "--json").stdout)["commitments"]
    assert commitments and all("sunil" not in c["text"].lower() for c in commitments)

    audit = json.loads(ok("audit", MARIA, "--json").stdout)["prompts"]
    assert [p["names_redacted_since"] for p in audit] == [2]
    assert "holds 2 name(s) put on the roster after it was sent" in ok("audit", MARIA).stdout
    ok("questions", MARIA)
    assert json.loads(ok("audit", MARIA, "--json").stdout)["prompts"][-1]["names_redacted_since"] == 0

    doctor = json.loads(ok("doctor", "--json").stdout)
    checks = {c["name"].split()[0]: c for c in doctor["checks"] if c["name"].startswith(("redaction", "prompts"))}
    assert checks["redaction"]["ok"] is True and checks["prompts"]["ok"] is None
    assert "sunil" not in json.dumps(doctor).lower()


def test_person_list_ignore_merge_and_org(tmp_path) -> None:
    path = tmp_path / "n.md"
    path.write_text("Spoke Daily with the team. Niamh Kelly joined late. Later we met Neev Byrne.", encoding="utf-8")
    ok("client", "add", MARIA)
    ok("note", "add", MARIA, str(path), "--date", "2026-01-05")
    ok("person", "add", MARIA, "Quillonby Works", "--org", "--role", "client's client")
    entries = json.loads(ok("person", "list", MARIA, "--json").stdout)["entries"]
    by_form = {e["forms"][0]: e for e in entries}
    assert by_form[MARIA]["placeholder"] == "[CLIENT]" and by_form[MARIA]["origin"] == "roster"
    assert by_form["Quillonby Works"]["type"] == "ORG" and by_form["Quillonby Works"]["origin"] == "roster"
    assert by_form["Spoke Daily"]["origin"] in {"learned", "seen"}
    table = ok("person", "list", MARIA).stdout
    assert "[CLIENT]" in table and "Niamh Kelly" in table

    out = ok("person", "ignore", MARIA, "Spoke Daily").stdout
    assert "re-redacted 1 note(s)" in out
    assert "Spoke Daily with the team" in json.loads(ok("note", "show", MARIA, "1", "--redacted", "--json").stdout)["redacted"]
    fails("person", "ignore", MARIA, MARIA, code=2)  # the roster is the coach's: remove, not ignore

    a = by_form["Niamh Kelly"]["placeholder"]
    ok("person", "merge", MARIA, "Niamh Kelly", "Neev Byrne")
    redacted = json.loads(ok("note", "show", MARIA, "1", "--redacted", "--json").stdout)["redacted"]
    assert redacted.count(a) == 2
    fails("person", "merge", MARIA, "Niamh Kelly", "Nobody Here", code=3)


def test_reindex_re_redacts_and_client_alias_follows_through(tmp_path) -> None:
    path = tmp_path / "n.md"
    path.write_text("Session. bex was tired; zephyrine from legal called.", encoding="utf-8")
    ok("client", "add", MARIA)
    ok("note", "add", MARIA, str(path), "--date", "2026-01-05")
    out = ok("client", "alias", MARIA, "Bex").stdout
    assert "re-redacted 1 note(s); 1 name(s) newly caught" in out
    assert "reindexed 1 client(s): re-redacted 0 note(s)" in ok("reindex").stdout
    redacted = json.loads(ok("note", "show", MARIA, "1", "--redacted", "--json").stdout)["redacted"]
    assert redacted.startswith("Session. [CLIENT] was tired")
