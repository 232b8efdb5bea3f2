"""Pilot tests of the terminal app on fakes: pick a client, toggle original/redacted, prep."""

from __future__ import annotations

import json
from datetime import date

from textual.widgets import Markdown, Static

from reflect.core.noteinput import NoteInput
from reflect.tui.app import ReflectApp


def _setup(p):
    c = p.add_client("Maria Gonzalez")
    p.add_person(c, "Tom Becker")
    p.add_notes(c, [NoteInput(date(2026, 1, 1), "Maria wants to delegate. Tom Becker disagrees.", "t"),
                    NoteInput(date(2026, 1, 8), "Maria delegated the deck to the team.", "t")])
    p.llm.outputs.append(json.dumps({"questions": [{"question": "What did delegating the deck teach [CLIENT]?", "passage": 1}]}))
    return c


async def test_note_viewer_toggles_between_original_and_redacted(fake_practice) -> None:
    _setup(fake_practice)
    app = ReflectApp(fake_practice)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert app.client is not None and app.client.name == "Maria Gonzalez"
        app.query_one("#notes").focus()
        await pilot.press("down")
        await pilot.pause()
        text = str(app.query_one("#note-text", Static).render())
        assert "Tom Becker" in text
        await pilot.press("r")
        await pilot.pause()
        text = str(app.query_one("#note-text", Static).render())
        assert "Tom" not in text and "[PERSON_1]" in text


async def test_prep_runs_in_a_worker_and_shows_names_only_on_screen(fake_practice) -> None:
    _setup(fake_practice)
    app = ReflectApp(fake_practice)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("p")
        await app.workers.wait_for_complete()
        await pilot.pause()
        brief = app.query_one("#brief", Markdown)
        source = brief.source
        assert "Prep brief: Maria Gonzalez" in source
        assert "What did delegating the deck teach Maria Gonzalez?" in source
        assert "Maria" not in json.dumps(fake_practice.llm.prompts)
