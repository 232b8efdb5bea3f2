"""The help screen: what reflect does with notes, and the keys (from the action registry)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

from reflect.tui.actions import help_rows

INTRO = """\
# reflect

Everything stays on this computer. Notes are redacted before the search index or the local model
sees them; real names come back only on this screen. Press **r** on a note to see exactly what the
model sees.
"""


def help_markdown(keymap: dict[str, str] | None = None) -> str:
    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    table = "\n".join(f"| `{cell(key)}` | {cell(what)} |" for key, what in help_rows(keymap))
    return f"{INTRO}\n| key | does |\n| --- | --- |\n{table}\n"


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,question_mark,q", "dismiss(None)", "Close", id="close_help")]

    def __init__(self, keymap: dict[str, str] | None = None) -> None:
        super().__init__()
        self.keymap = keymap

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog", id="help"):
            yield Markdown(help_markdown(self.keymap))
