"""Notes are data, never markup: square brackets a coach types ("- [x] deck sent", "[sic]") or that a
paste brings ("[/]", "[bold]", "[@click=app.quit]", "[link=...]") come out verbatim in every command."""

from __future__ import annotations

import json

from tests.cli.test_cli import (  # noqa: F401
    MARIA,
    fakes,  # noqa: F401
    ok,
)

TOKENS = ["[/]", "[x]", "[bold]", "[sic]", "[@click=app.quit]", "[link=https://example.org]"]
NOTE = ("Session. She said the board deck was fine [sic] and [bold] claims [/] aside.\n"
        "- [x] deck sent to the board\n- [ ] agreed: she will draft the [@click=app.quit] memo by Friday\n"
        "She will ask about [link=https://example.org] delegation next time.")


def test_every_command_shows_bracketed_text_verbatim(tmp_path, fakes) -> None:
    fakes.outputs.append(json.dumps({"questions": [{"question": "What did [sic] and [/] mean to [CLIENT]?", "passage": 1}]}))
    fakes.outputs.append(json.dumps({"questions": [{"question": "How did the [x] deck land for [CLIENT]?", "passage": 1}],
                                     "recap": "We looked at [bold] claims [/] and the [x] deck; next, delegation."}))
    name = "Maria [x] Gonzalez"
    ok("client", "add", name)
    ok("person", "add", name, "Tom Becker [1]")
    path = tmp_path / "2026-01-05.md"
    path.write_text(NOTE, encoding="utf-8")
    ok("note", "add", name, str(path))
    second = tmp_path / "2026-01-12.md"
    second.write_text("Session. The board deck again [sic]; [bold] claims [/] about delegation. - [x] deck sent to the board", encoding="utf-8")
    ok("note", "add", name, str(second))
    outputs = {
        "client list": ok("client", "list").stdout,
        "person list": ok("person", "list", name).stdout,
        "note list": ok("note", "list", name).stdout,
        "note show": ok("note", "show", name, "1").stdout,
        "redact": ok("redact", str(path)).stdout,
        "commitment list": ok("commitment", "list", name).stdout,
        "search": ok("search", name, "board deck").stdout,
        "themes": ok("themes", name).stdout,
        "prep": ok("prep", name).stdout,
        "followup": ok("followup", name).stdout,
        "audit": ok("audit", name).stdout,
    }
    outputs = {k: " ".join(v.split()) for k, v in outputs.items()}  # terminal-width line wrapping aside
    assert "Maria [x] Gonzalez" in outputs["client list"]
    assert "Tom Becker [1]" in outputs["person list"]
    assert "[sic]" in outputs["note list"] or "[bold]" in outputs["note list"]
    for command in ("note show", "redact", "search"):
        for token in ("[sic]", "[/]", "[x]"):
            assert token in outputs[command], (command, token)
    assert "[@click=app.quit]" in outputs["note show"] and "[link=https://example.org]" in outputs["note show"]
    assert "[@click=app.quit]" in outputs["commitment list"]
    assert "[sic]" in outputs["prep"] and "[/]" in outputs["prep"]
    assert "[bold] claims [/]" in outputs["followup"] and "[x] deck" in outputs["followup"]
    assert "Recurring themes" in outputs["themes"] and "[sic]" in outputs["themes"]
