"""Regenerate the README's screenshots of the terminal app on the fictional demo practice (real models).

Run:  .venv/bin/python scripts/screenshots.py     # writes docs/screenshots/*.svg
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from reflect.core.demo import DEMO_PASSPHRASE, load_demo, reset_demo_dir
from reflect.core.opener import open_practice
from reflect.core.practice import Practice
from reflect.tui.app import ReflectApp

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
SIZE = (100, 30)  # the README's size; tests/tui/test_fit.py checks 80x24 to 160x48
sys.path.insert(0, str(ROOT))
from tests.tui.screens_util import cut_lines, screen_lines  # noqa: E402

clipped: list[str] = []


def save(app, name: str) -> None:
    """Write one screenshot, and remember any row of it cut at the right edge."""
    app.save_screenshot(str(OUT / name))
    clipped.extend(f"{name}: {line}" for line in cut_lines(screen_lines(app), SIZE[0]))


async def shoot(practice: Practice) -> None:
    app = ReflectApp(practice, demo=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("down", "down", "enter")  # Maria Gonzalez
        await pilot.pause()
        save(app, "notes.svg")
        await pilot.press("r")
        await pilot.pause()
        save(app, "redacted.svg")
        await pilot.press("t")
        await app.workers.wait_for_complete()
        await pilot.pause()
        save(app, "themes.svg")
        await pilot.press("p")
        await app.workers.wait_for_complete()
        await pilot.pause()
        save(app, "prep.svg")
        await pilot.press("n")
        await pilot.pause()
        await pilot.press(*"Maria said Daniel was supportive; call him on +44 20 7946 0958.")
        await pilot.pause(1.0)
        await app.workers.wait_for_complete()
        await pilot.pause()
        save(app, "add-note.svg")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "demo"
        reset_demo_dir(root)
        with open_practice(root, passphrase=DEMO_PASSPHRASE) as practice:
            load_demo(practice)
            asyncio.run(shoot(practice))
    print(f"wrote {', '.join(p.name for p in sorted(OUT.glob('*.svg')))} to {OUT}")
    if clipped:
        sys.exit("rows cut at the right edge:\n" + "\n".join(clipped))


if __name__ == "__main__":
    main()
