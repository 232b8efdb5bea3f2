"""Regenerate the README's screenshots of the terminal app on the fictional demo practice (real models).

Run:  .venv/bin/python scripts/screenshots.py     # writes docs/screenshots/*.svg
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from reflect.core.demo import DEMO_PASSPHRASE, load_demo, reset_demo_dir
from reflect.core.components import Components
from reflect.core.opener import open_practice
from reflect.tui.app import ReflectApp

OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


async def shoot(practice: Practice) -> None:
    app = ReflectApp(practice, demo=True)
    async with app.run_test(size=(130, 38)) as pilot:
        await pilot.pause()
        await pilot.press("down", "down", "enter")  # Maria Gonzalez
        await pilot.pause()
        app.save_screenshot(str(OUT / "notes.svg"))
        await pilot.press("r")
        await pilot.pause()
        app.save_screenshot(str(OUT / "redacted.svg"))
        await pilot.press("t")
        await app.workers.wait_for_complete()
        await pilot.pause()
        app.save_screenshot(str(OUT / "themes.svg"))
        await pilot.press("p")
        await app.workers.wait_for_complete()
        await pilot.pause()
        app.save_screenshot(str(OUT / "prep.svg"))
        await pilot.press("n")
        await pilot.pause()
        await pilot.press(*"Maria said Daniel was supportive; call him on +44 20 7946 0958.")
        await pilot.pause(1.0)
        await app.workers.wait_for_complete()
        await pilot.pause()
        app.save_screenshot(str(OUT / "add-note.svg"))


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "demo"
        reset_demo_dir(root)
        with open_practice(root, passphrase=DEMO_PASSPHRASE) as practice:
            load_demo(practice)
            asyncio.run(shoot(practice))
    print(f"wrote {', '.join(p.name for p in sorted(OUT.glob('*.svg')))} to {OUT}")


if __name__ == "__main__":
    main()
