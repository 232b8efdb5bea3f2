"""Every screen and dialog fits at 80x24, 100x30 and 160x48: rendered headlessly, no row of text runs
into the right edge (long text wraps or scrolls), and the footer always shows "? Help" and "q Quit"."""

from __future__ import annotations

import pytest

from reflect.tui.app import ReflectApp
from tests.tui.screens_util import SIZES, cut_lines, fill, screen_lines

SCREENS = {
    "clients": [],
    "notes": ["enter"],
    "redacted": ["enter", "r"],
    "themes": ["t"],
    "search": ["slash", *"deck team", "enter"],
    "prep": ["p"],
    "help": ["question_mark"],
    "new note": ["n", *"Tom Becker said Maria did well and will write the deck herself next time around."],
    "discard note?": ["n", *"Half a thought", "escape"],
    "edit note": ["enter", "e"],
    "roster": ["o"],
    "add client": ["a"],
    "forget": ["f"],
    "client without notes": ["down", "enter"],
    "commitments": ["c"],
    "new commitment": ["c", "a", *"Maria will ask Tom Becker for a one to one about the board deck before the quarterly review"],
    "goals and progress": ["g"],
    "reword goal": ["g", "e"],
    "delete goal?": ["g", "delete"],
    "goals of a client without notes": ["down", "g"],
}


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("name", list(SCREENS))
async def test_every_screen_fits(fake_practice, name: str, size: tuple[int, int]) -> None:
    fill(fake_practice)
    app = ReflectApp(fake_practice)
    async with app.run_test(size=size) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        for key in SCREENS[name]:
            await pilot.press(key)
        await pilot.pause(0.5 if name == "new note" else 0)
        await app.workers.wait_for_complete()
        await pilot.pause()
        lines = screen_lines(app)
        screen = "\n".join(lines)
        assert not cut_lines(lines, size[0]), f"cut at the right edge:\n{screen}"
        if app.screen is app.workspace:
            assert "? Help" in lines[-1] and "q Quit" in lines[-1], lines[-1]
