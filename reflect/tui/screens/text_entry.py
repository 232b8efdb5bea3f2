"""One line of the coach's words (a goal, a commitment), optionally with the session it belongs to.

Returns (note id or None, text) or None. What is typed is redacted by the core when it is stored; the
dialog only says so."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select


class TextEntryScreen(ModalScreen[tuple[int | None, str] | None]):
    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", id="cancel_dialog")]

    def __init__(self, title: str, placeholder: str, text: str = "", sessions: list[tuple[str, int]] | None = None) -> None:
        """``sessions``: (label, note id) to pick the session from, latest last (None: no session to pick)."""
        super().__init__()
        self.title_text, self.placeholder, self.text = title, placeholder, text
        self.sessions = sessions

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="entry"):
            yield Label(Text(self.title_text), classes="heading")
            if self.sessions is not None:
                yield Select(self.sessions, value=self.sessions[-1][1] if self.sessions else Select.BLANK, allow_blank=False, id="session",
                             prompt="Session")
            yield Input(self.text, placeholder=self.placeholder, id="entry-text")
            yield Label("Names are redacted before it is stored; Enter saves, Escape cancels.", classes="hint")
            yield Button("Save", variant="primary", id="save")

    def on_mount(self) -> None:
        self.query_one("#entry-text", Input).focus()

    @on(Button.Pressed, "#save")
    @on(Input.Submitted)
    def _submit(self) -> None:
        text = self.query_one("#entry-text", Input).value.strip()
        if not text:
            self.notify("Write it in a few words first", severity="warning")
            return
        note_id: int | None = None
        if self.sessions is not None:
            value = self.query_one("#session", Select).value
            note_id = value if isinstance(value, int) else None
            if note_id is None:
                self.notify("Pick the session first", severity="warning")
                return
        self.dismiss((note_id, text))
