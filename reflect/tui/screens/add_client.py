"""Add a client: name and comma-separated aliases. Returns (name, aliases) or None."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label


class AddClientScreen(ModalScreen[tuple[str, list[str]] | None]):
    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", id="cancel_dialog")]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("New client", classes="heading")
            yield Input(placeholder="Full name, e.g. Maria Gonzalez", id="name")
            yield Input(placeholder="Aliases, comma-separated (optional)", id="aliases")
            yield Button("Add client", variant="primary", id="add")

    def on_mount(self) -> None:
        self.query_one("#name", Input).focus()

    def on_button_pressed(self) -> None:
        self._submit()

    def on_input_submitted(self) -> None:
        self._submit()

    def _submit(self) -> None:
        name = self.query_one("#name", Input).value.strip()
        if not name:
            self.notify("Type the client's name", severity="warning")
            return
        aliases = [a.strip() for a in self.query_one("#aliases", Input).value.split(",") if a.strip()]
        self.dismiss((name, aliases))
