"""The roster editor: everything redacted for a client — the people around them and the names learned
from notes — with where each came from and the placeholder it becomes; add someone.
Returns (name, aliases, role) for a new person, or None."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Input, Label


class RosterScreen(ModalScreen[tuple[str, list[str], str | None] | None]):
    BINDINGS = [Binding("escape", "dismiss(None)", "Close", id="cancel_dialog")]

    def __init__(self, client_name: str, rows: list[tuple[str, str, str, str]]) -> None:
        super().__init__()
        self.client_name = client_name
        self.rows = rows

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Label(f"Roster of {self.client_name}: always redacted, in every form", classes="heading")
            table = DataTable(id="people")
            table.add_columns("name", "other forms", "from", "placeholder")
            for row in self.rows:
                table.add_row(*(Text(cell) for cell in row))  # names are data, never markup
            yield table
            yield Input(placeholder="Name of someone around the client", id="name")
            yield Input(placeholder="Aliases, comma-separated (optional)", id="aliases")
            yield Input(placeholder="Role: boss, partner, daughter, employer…", id="role")
            yield Button("Add to roster", variant="primary", id="add")

    def on_button_pressed(self) -> None:
        name = self.query_one("#name", Input).value.strip()
        if not name:
            self.notify("Type a name", severity="warning")
            return
        aliases = [a.strip() for a in self.query_one("#aliases", Input).value.split(",") if a.strip()]
        role = self.query_one("#role", Input).value.strip() or None
        self.dismiss((name, aliases, role))
