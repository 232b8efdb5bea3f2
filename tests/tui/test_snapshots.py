"""Snapshots of the main screens and dialogs at 80x24, 100x30 and 160x48, on fakes (deterministic content).
Update after an intended change with: .venv/bin/python -m pytest tests/tui/test_snapshots.py --snapshot-update"""

from __future__ import annotations

import json
from datetime import date

import pytest

from reflect.core.noteinput import NoteInput
from reflect.tui.app import ReflectApp

SIZES = [(80, 24), (100, 30), (160, 48)]
sizes = pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")


@pytest.fixture
def app(fake_practice):
    c = fake_practice.roster.add_client("Maria Gonzalez")
    fake_practice.roster.add_person(c, "Tom Becker", role="boss")
    fake_practice.notes.add(c, [
        NoteInput(date(2026, 1, 5), "Maria wants to delegate the weekly deck to her team, but Tom Becker disagrees: he "
                  "thinks the deck is how the board sees her work, and she worries that letting go looks like losing control.", "t"),
        NoteInput(date(2026, 1, 19), "Maria delegated the deck to the team. She will book a one to one with Tom.", "t"),
    ])
    fake_practice.components.llm.outputs.append(json.dumps({"questions": [{"question": "What did delegating the deck teach [CLIENT]?", "passage": 1}]}))
    return ReflectApp(fake_practice)


async def _settle(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


@sizes
def test_notes_screen(snap_compare, app, size) -> None:
    async def run_before(pilot) -> None:
        await _settle(pilot)
        await pilot.press("enter")
        await _settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@sizes
def test_redacted_view(snap_compare, app, size) -> None:
    async def run_before(pilot) -> None:
        await _settle(pilot)
        await pilot.press("enter", "r")
        await _settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@sizes
def test_prep_brief(snap_compare, app, size) -> None:
    async def run_before(pilot) -> None:
        await _settle(pilot)
        await pilot.press("p")
        await _settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@sizes
def test_help_screen(snap_compare, app, size) -> None:
    async def run_before(pilot) -> None:
        await _settle(pilot)
        await pilot.press("question_mark")
        await _settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@sizes
def test_themes(snap_compare, app, size) -> None:
    async def run_before(pilot) -> None:
        await _settle(pilot)
        await pilot.press("t")
        await _settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@sizes
def test_roster_dialog(snap_compare, app, size) -> None:
    async def run_before(pilot) -> None:
        await _settle(pilot)
        await pilot.press("o")
        await _settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@sizes
def test_commitments_dialog(snap_compare, app, size) -> None:
    async def run_before(pilot) -> None:
        await _settle(pilot)
        await pilot.press("c")
        await _settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@sizes
def test_goals_and_progress(snap_compare, app, size) -> None:
    practice = app.practice
    [client] = practice.store.clients()
    practice.goals.add(client, "Delegate the weekly deck to her team so Tom Becker sees the board can trust them")
    practice.goals.add(client, "Evenings back for the family")
    practice.store.db.execute("UPDATE goals SET created = '2026-01-05'")  # the day written, fixed for the picture

    async def run_before(pilot) -> None:
        await _settle(pilot)
        await pilot.press("g")
        await _settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)
