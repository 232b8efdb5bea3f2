"""CLI contract tests with CliRunner, on fast fakes for the detector, embedder and model (a real
Chroma directory still backs the index). Every bad input gives one line on stderr, a non-zero exit,
and stores nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reflect import cli
from reflect.core.components import Components
from reflect.core.embedding import HashEmbedder
from reflect.core.llm import FakeLLM
from reflect.core.phrases import SimplePhrases
from reflect.core.redaction.fake import FakeDetector

runner = CliRunner()
MARIA = "Maria Gonzalez"


_engines: list[Components] = []


@pytest.fixture(autouse=True)
def fakes():
    """Every command of a test runs on these engines, passed through the CLI's seam (``Options``)."""
    llm = FakeLLM()
    _engines[:] = [Components(phrases=SimplePhrases(), detector=FakeDetector(), embedder=HashEmbedder(), llm=llm)]
    yield llm
    _engines.clear()


def run(*args: str, input: str | bytes | None = None):
    return runner.invoke(cli.app, list(args), input=input, obj=cli.Options(components=_engines[0] if _engines else None))


def ok(*args: str, input: str | None = None):
    result = run(*args, input=input)
    assert result.exit_code == 0, result.output
    return result


def fails(*args: str, code: int | None = None, input: str | bytes | None = None) -> str:
    result = run(*args, input=input)
    assert result.exit_code != 0
    if code is not None:
        assert result.exit_code == code
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("reflect: error: ")
    assert "Traceback" not in result.output
    return lines[0]


def note_count(client: str = MARIA) -> int:
    return len(json.loads(ok("note", "list", client, "--json").stdout)["notes"])


@pytest.fixture
def maria(tmp_path: Path) -> Path:
    ok("client", "add", MARIA, "--alias", "Mari")
    ok("person", "add", MARIA, "Tom Becker", "--role", "boss")
    f = tmp_path / "2026-11-01.md"
    f.write_text("Mari spoke with Tom about delegation.\nTom Becker wants the deck by Friday.")
    ok("note", "add", MARIA, str(f))
    return tmp_path


def test_version_and_help() -> None:
    assert ok("--version").stdout.startswith("reflect ")
    out = ok("--help").stdout
    for command in ("client", "note", "redact", "search", "themes", "prep", "audit", "forget", "doctor", "demo"):
        assert command in out


def test_first_use_sets_up_data_dir(isolated_home: Path) -> None:
    assert not isolated_home.exists()
    assert json.loads(ok("client", "list", "--json").stdout) == {"clients": []}
    assert (isolated_home / "reflect.db").is_file()
    assert oct(isolated_home.stat().st_mode & 0o777) == "0o700"


def test_client_lookup_by_name_any_case_or_id(maria: Path) -> None:
    clients = json.loads(ok("client", "list", "--json").stdout)["clients"]
    cid = clients[0]["id"]
    assert clients[0]["notes"] == 1
    assert note_count("maria gonzalez") == note_count(cid) == 1


def test_note_add_many_files_and_stdin(maria: Path) -> None:
    a = maria / "2026-11-08-session.md"
    a.write_text("Follow-up on the deck.")
    b = maria / "b.txt"
    b.write_text("date: 2026-11-15\nMari delegated the deck.")
    out = json.loads(ok("note", "add", MARIA, str(a), str(b), "--json").stdout)
    assert [n["date"] for n in out["notes"]] == ["2026-11-08", "2026-11-15"]
    out = json.loads(ok("note", "add", MARIA, "-", "--date", "2026-11-20", "--json", input="From stdin.").stdout)
    assert out["notes"][0]["date"] == "2026-11-20"
    assert note_count() == 4


def test_import_folder(maria: Path) -> None:
    folder = maria / "notes"
    folder.mkdir()
    for day in ("2026-10-01", "2026-10-08"):
        (folder / f"{day}.md").write_text(f"Session on {day}.")
    (folder / "ignore.pdf").write_bytes(b"%PDF")
    out = json.loads(ok("import", MARIA, str(folder), "--json").stdout)
    assert len(out["notes"]) == 2


def test_note_show_and_redacted_json_shape(maria: Path) -> None:
    [n] = json.loads(ok("note", "list", MARIA, "--json").stdout)["notes"]
    assert set(n) == {"id", "number", "date", "chars"}  # "number" added (the per-client session number)
    shown = json.loads(ok("note", "show", MARIA, str(n["id"]), "--redacted", "--json").stdout)
    assert set(shown) == {"id", "client", "date", "redacted"}
    assert "Tom" not in shown["redacted"] and "[PERSON_1]" in shown["redacted"]
    assert "Tom Becker" in ok("note", "show", MARIA, str(n["id"])).stdout


def test_redact_preview_stores_nothing(maria: Path) -> None:
    out = json.loads(ok("redact", "--client", MARIA, "--json", input="Tom and Ann Lee met.").stdout)
    assert out["redacted"] == "[PERSON_1] and [PERSON_2] met."
    assert out["entities"][0] == {"type": "PERSON", "start": 0, "end": 3, "placeholder": "[PERSON_1]"}
    again = json.loads(ok("redact", "--client", MARIA, "--json", input="Ann Lee again.").stdout)
    assert again["redacted"] == "[PERSON_2] again."  # the preview did not teach the map "Ann Lee"


def test_search_themes_prep_questions_audit_json(maria: Path, fakes: FakeLLM) -> None:
    res = json.loads(ok("search", MARIA, "deck", "-k", "2", "--json").stdout)["results"]
    assert res and set(res[0]) == {"note_id", "date", "text", "score"}
    assert "Tom" not in json.dumps(res)
    assert "themes" in json.loads(ok("themes", MARIA, "--json").stdout)
    brief = json.loads(ok("prep", MARIA, "--json").stdout)
    assert len(brief["questions"]) == 5
    for q in brief["questions"]:
        assert {"text", "source", "evidence"} <= set(q) and q["source"] in {"model", "bank"}
        assert all({"note_id", "date", "text"} == set(e) for e in q["evidence"])
    qs = json.loads(ok("questions", MARIA, "--json").stdout)
    assert len(qs["questions"]) == 5
    prompts = json.loads(ok("audit", MARIA, "--json").stdout)["prompts"]
    assert len(prompts) == 2 and set(prompts[0]) == {"at", "client", "purpose", "prompt", "names_redacted_since"}
    assert [p["names_redacted_since"] for p in prompts] == [0, 0]
    assert "Tom" not in json.dumps(prompts) and "Mari" not in json.dumps(prompts)


def test_prep_out_writes_markdown(maria: Path) -> None:
    out = maria / "brief.md"
    ok("prep", MARIA, "--out", str(out))
    text = out.read_text()
    assert text.startswith("# Prep brief: Maria Gonzalez") and "## Questions for the next session" in text


def test_forget_requires_yes_then_erases(maria: Path, isolated_home: Path) -> None:
    fails("forget", MARIA)
    assert note_count() == 1
    ok("forget", MARIA, "--yes")
    fails("note", "list", MARIA, code=3)
    assert list((isolated_home / "index").iterdir()) == []


# bad input: one line, non-zero exit, nothing stored ------------------------------------------------
def test_duplicate_client(maria: Path) -> None:
    assert "already exists" in fails("client", "add", "maria GONZALEZ")
    assert len(json.loads(ok("client", "list", "--json").stdout)["clients"]) == 1


def test_unknown_client_and_note(maria: Path) -> None:
    assert "no client" in fails("note", "list", "Nobody", code=3)
    assert "no note 999" in fails("note", "show", MARIA, "999", code=3)
    assert "no client" in fails("prep", "Nobody", code=3)


@pytest.mark.parametrize(
    "content, expected",
    [
        (b"", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "binary"),
        (b"caf\xe9 au lait", "UTF-8"),
        (b"date: 2026-13-01\nhello", "invalid date"),
        (b"x" * 50_001, "limit"),
    ],
)
def test_bad_note_files_store_nothing(maria: Path, content: bytes, expected: str) -> None:
    f = maria / "bad.md"
    f.write_bytes(content)
    assert expected in fails("note", "add", MARIA, str(f), code=2)
    assert note_count() == 1


def test_missing_and_unreadable_files(maria: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert "no such file" in fails("note", "add", MARIA, str(maria / "nope.md"))
    f = maria / "locked.md"
    f.write_text("secret")

    import os

    real_open = os.open

    def denied(path, *args, **kwargs):
        if str(path) == str(f):
            raise PermissionError(13, "Permission denied")
        return real_open(path, *args, **kwargs)

    with monkeypatch.context() as patch:  # (tests run as root here, so chmod 000 would not stop a read)
        patch.setattr(os, "open", denied)
        assert "cannot be read" in fails("note", "add", MARIA, str(f))
    assert note_count() == 1


def test_one_bad_file_in_a_batch_stores_none(maria: Path) -> None:
    good = maria / "2026-11-02.md"
    good.write_text("fine")
    bad = maria / "2026-11-03.md"
    bad.write_bytes(b"\xff\xfe")
    fails("note", "add", MARIA, str(good), str(bad))
    assert note_count() == 1


def test_invalid_date_flag(maria: Path) -> None:
    assert "invalid date" in fails("note", "add", MARIA, "-", "--date", "2026-02-30", input="x")
    assert "invalid date" in fails("themes", MARIA, "--since", "last week")


def test_redaction_failure_is_one_line_and_stores_nothing(maria: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(FakeDetector, "detect", lambda self, text: 1 / 0)
    line = fails("note", "add", MARIA, "-", input="Canary Zyxwv note", code=6)
    assert "Canary" not in line and "nothing was stored" in line
    assert note_count() == 1


def test_prep_without_notes_is_an_error() -> None:
    ok("client", "add", "Kenji Watanabe")
    assert "no notes yet" in fails("prep", "Kenji Watanabe")


def test_empty_search_query(maria: Path) -> None:
    assert "empty" in fails("search", MARIA, "  ")


def test_twenty_notes_in_one_command_load_the_models_once(maria: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    created = []
    original_init = FakeDetector.__init__

    def counting_init(self, *a, **k):
        created.append(self)
        original_init(self, *a, **k)

    monkeypatch.setattr(FakeDetector, "__init__", counting_init)
    files = []
    for day in range(1, 21):
        f = maria / f"2026-10-{day:02d}.md"
        f.write_text(f"Session {day}: Mari worked on delegation with Tom.")
        files.append(str(f))
    detector = _engines[0].gate.detector
    before = detector.calls
    out = json.loads(ok("note", "add", MARIA, *files, "--json").stdout)
    assert len(out["notes"]) == 20
    assert created == []  # no detector built for the command: the one it was given
    assert detector.calls - before == 20  # one pass per note


def test_data_dir_that_is_a_file_is_one_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    monkeypatch.setenv("REFLECT_HOME", str(blocker))
    assert "cannot be used" in fails("client", "list", code=2)


def test_unexpected_errors_are_one_line_without_their_message(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    def boom(*a, **k):
        raise RuntimeError("note text canary Zyxwv")

    monkeypatch.setattr(cli, "app", boom)
    with pytest.raises(SystemExit) as info:
        cli.main()
    assert info.value.code == 70
    err = capsys.readouterr().err
    assert "Zyxwv" not in err and "RuntimeError" in err and len(err.strip().splitlines()) == 1


def test_commitment_commands(maria: Path) -> None:
    f = maria / "2026-11-08.md"
    f.write_text("Mari agreed to hand the weekly deck to Tom. She will book a one to one with Tom.")
    ok("note", "add", MARIA, str(f))
    items = json.loads(ok("commitment", "list", MARIA, "--json").stdout)["commitments"]
    assert len(items) == 2
    assert set(items[0]) == {"id", "note_id", "date", "text", "display", "status", "source", "evidence"}
    assert "Tom" not in items[0]["text"] and "Tom" in items[0]["display"]
    ok("commitment", "done", MARIA, str(items[0]["id"]))
    ok("commitment", "drop", MARIA, str(items[1]["id"]))
    after = {c["id"]: (c["status"], c["source"]) for c in json.loads(ok("commitment", "list", MARIA, "--json").stdout)["commitments"]}
    assert after == {items[0]["id"]: ("done", "coach"), items[1]["id"]: ("dropped", "coach")}
    assert len(json.loads(ok("commitment", "list", MARIA, "--status", "done", "--json").stdout)["commitments"]) == 1
    assert "no commitment 999" in fails("commitment", "done", MARIA, "999", code=3)
    assert "unknown status" in fails("commitment", "list", MARIA, "--status", "maybe")
    brief = json.loads(ok("prep", MARIA, "--json").stdout)
    assert {c["id"] for c in brief["commitments"]} >= {items[0]["id"]}


def test_usage_errors_are_one_line_too(isolated_home: Path) -> None:
    import subprocess
    import sys

    for args in (["note", "show", "Maria Gonzalez", "abc"], ["nosuchcommand"], ["search"]):
        out = subprocess.run([sys.executable, "-m", "reflect", *args], capture_output=True, text=True, timeout=60)
        assert out.returncode == 2
        lines = out.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("reflect: error: "), out.stderr


def test_help_shows_no_python_types_after_flags_or_arguments() -> None:
    for command in (["note", "add"], ["forget"], ["prep"], ["person", "add"], []):
        text = run(*command, "--help").stdout
        assert "<bool>" not in text and "<str>" not in text and "<list[" not in text, command
