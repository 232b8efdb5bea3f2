"""Helpers for the fit tests: the practice they render, the screen as text, and the line-cut check."""

from __future__ import annotations

import io
import json
from datetime import date

from rich.console import Console

from reflect.core.noteinput import NoteInput

SIZES = [(80, 24), (100, 30), (160, 48)]
LONG_NOTE = ("Maria wants to delegate the weekly board deck to her team but worries that Tom Becker will see it as "
             "a loss of control; she will book a one to one with Tom before the next quarterly review and ask the "
             "team lead to draft the first version. She said she will also write down what she learned.")


def fill(p):
    c = p.roster.add_client("Maria Gonzalez-Fortescue")
    p.roster.add_person(c, "Tom Becker", role="boss")
    p.notes.add(c, [NoteInput(date(2026, 1, 5), LONG_NOTE, "t"),
                    NoteInput(date(2026, 1, 19), "Maria delegated the deck to the team. She will book a one to one with Tom.", "t")])
    p.goals.add(c, "Delegate the weekly board deck to the team so that Tom Becker sees she trusts them and she has her evenings back")
    p.goals.add(c, "Cello lessons")
    p.roster.add_client("Zoe Zielinski")
    p.components.llm.outputs.append(json.dumps({"questions": [{"question": "What did delegating the weekly board deck teach [CLIENT] about trust, control and the team she leads?", "passage": 1}]}))
    return c


def screen_lines(app) -> list[str]:
    """The current screen as plain text, one string per terminal row (what a terminal shows)."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True, color_system="truecolor",
                      record=True, legacy_windows=False, safe_box=False)
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    return console.export_text(styles=False).splitlines()[:height]


_FRAME = set("│┃║▌▐▊▎▍▏█▁▔━─┐┘┤╮╯┓┛╗╝ ▕▇▅▃▂▄▆")


def cut_lines(lines: list[str], width: int) -> list[str]:
    """Rows whose text runs into the right edge of the terminal: a letter or digit in the last column,
    or in the column before a one-column frame (border, scrollbar) that closes the row, or a row whose
    last text is an ellipsis (text Textual truncated at the edge). Content areas keep a column of right padding, so text
    that reaches the edge was cut, not wrapped."""
    cut = []
    for line in lines:
        row = line.ljust(width)[:width]
        if row[-1].isalnum() or (row[-1] in _FRAME and row[-2].isalnum() and row[-1] != " ") or row.rstrip().endswith("…"):
            cut.append(line)
    return cut
