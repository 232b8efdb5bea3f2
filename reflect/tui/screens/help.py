"""The help screen: what reflect does with notes, and the keys."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

HELP = """\
# reflect

Everything stays on this computer. Notes are redacted before the search index or the local model
sees them; real names come back only on this screen. Press **r** on a note to see exactly what the
model sees.

| key | does |
| --- | --- |
| a | add a client |
| n | add a note (live redaction preview; ctrl+s saves) |
| e | edit the selected note |
| o | roster: the people around the client |
| / | search this client's notes |
| t | recurring themes |
| p | prepare the next session (Escape cancels) |
| r | original / what the model sees |
| ctrl+p | command palette |
| f | forget this client (asks first) |
| ? | this help |
| q | quit |
"""


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,question_mark,q", "dismiss(None)", "Close", id="close_help")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog wide"):
            yield Markdown(HELP)
