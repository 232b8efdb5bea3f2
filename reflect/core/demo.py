"""The fictional demo practice: three invented clients, their rosters, dated session notes and the
goals each came with.

``load_demo`` fills an empty practice from ``reflect/demo_data`` through the same pipeline a coach's
own notes go through (redaction gate, store, index). A marker file tells a demo directory apart from a
real practice, so ``reflect demo`` only ever resets a directory it created itself.
"""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

from reflect.core.errors import InputError
from reflect.core.noteinput import read_files
from reflect.core.practice import Practice

DEMO_DATA = Path(__file__).resolve().parent.parent / "demo_data"
MARKER = ".reflect-demo"
DEMO_PASSPHRASE = "reflect-demo"
"""The demo practice is encrypted like any other, with this published passphrase: its clients are
fictional, and the demo must run without a prompt. Never use it for a real practice."""


def reset_demo_dir(path: Path) -> None:
    """Empty a demo directory (only one reflect created: it must carry the marker) and mark it."""
    if path.exists() and any(path.iterdir()):
        if not (path / MARKER).is_file():
            raise InputError(f"{path} is not empty and is not a reflect demo directory; refusing to overwrite it")
        shutil.rmtree(path)
    path.mkdir(parents=True, exist_ok=True)
    (path / MARKER).write_text("This folder holds reflect's fictional demo practice and may be deleted.\n")


def load_demo(practice: Practice) -> list[str]:
    """Add the demo clients, rosters, notes and goals; return client names in order."""
    spec = tomllib.loads((DEMO_DATA / "practice.toml").read_text(encoding="utf-8"))
    names = []
    for entry in spec["client"]:
        client = practice.roster.add_client(entry["name"], entry.get("aliases", []))
        for person in entry.get("people", []):
            practice.roster.add_person(client, person["name"], person.get("aliases", []), person.get("role"))
        files = sorted((DEMO_DATA / entry["folder"]).glob("*.md"))
        practice.notes.add(client, read_files(files, max_chars=practice.settings.max_note_chars, explicit=None))
        for goal in entry.get("goals", []):
            practice.goals.add(client, goal)
        names.append(client.name)
    return names
