"""The roster editor: everything redacted for a client — the people around them and the names learned
from notes — with where each came from and the placeholder it becomes. Adding someone runs in a thread
worker (existing notes are re-redacted); the dialog stays open, shows them, and is ready for the next."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Input, Label

from reflect.core.domain import Client
from reflect.core.errors import ReflectError
from reflect.tui.messages import ReportsWorkerErrors


def roster_rows(practice, client: Client) -> list[tuple[str, str, str, str]]:
    """Every entry of the client's map with where it came from and its placeholder (as ``reflect person list``)."""
    origin = {"roster": "roster", "learned": "learned from notes", "seen": "seen once", "not a name": "not a name"}
    rows = []
    for e in practice.roster.entries(client):
        source = origin.get(e.origin, e.origin) + (f" ({e.role})" if e.role else "")
        rows.append((e.forms[0], e.placeholder or "-", source, ", ".join(e.forms[1:4]) + (f" +{len(e.forms) - 4} more" if len(e.forms) > 4 else "")))
    return rows


class RosterScreen(ReportsWorkerErrors, ModalScreen[None]):
    BINDINGS = [Binding("escape", "dismiss(None)", "Close", id="cancel_dialog")]

    def __init__(self, practice, client: Client) -> None:
        super().__init__()
        self.practice = practice
        self.client = client

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="roster"):
            yield Label(Text(f"Roster of {self.client.name}: always redacted, in every form"), classes="heading")
            table: DataTable[Text] = DataTable(id="people", cursor_type="row")
            table.add_columns("name", "placeholder", "from", "other forms")  # the widest column last: it scrolls
            yield table
            yield Input(placeholder="Name of someone around the client", id="name")
            yield Input(placeholder="Aliases, comma-separated (optional)", id="aliases")
            yield Input(placeholder="Role: boss, partner, daughter… (Enter adds)", id="role")
            yield Button("Add to roster", variant="primary", id="add")

    def on_mount(self) -> None:
        self._fill()
        self.query_one("#name", Input).focus()

    def _fill(self, highlight: str | None = None) -> None:
        table = self.query_one("#people", DataTable)
        table.clear()
        for row in roster_rows(self.practice, self.client):
            table.add_row(*(Text(cell) for cell in row))  # names are data, never markup
            if row[0] == highlight:
                table.move_cursor(row=table.row_count - 1)

    @on(Button.Pressed, "#add")
    @on(Input.Submitted)
    def _submit(self) -> None:
        name = self.query_one("#name", Input).value.strip()
        if not name:
            self.notify("Type a name", severity="warning")
            self.query_one("#name", Input).focus()
            return
        aliases = [a.strip() for a in self.query_one("#aliases", Input).value.split(",") if a.strip()]
        role = self.query_one("#role", Input).value.strip() or None
        self.notify(f"Adding {name} and redacting the notes again…", markup=False)
        self._add(name, aliases, role)

    @work(thread=True, exclusive=True, group="roster", exit_on_error=False)
    def _add(self, name: str, aliases: list[str], role: str | None) -> None:
        try:
            person, report = self.practice.roster.add_person(self.client, name, aliases, role)
        except ReflectError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error", markup=False)
            return
        self.app.call_from_thread(self._added, person.name, report.describe())

    def _added(self, name: str, report: str) -> None:
        self.notify(f"{name} is on the roster and will always be redacted; {report}", markup=False)
        self._fill(highlight=name)
        for field in ("#name", "#aliases", "#role"):
            self.query_one(field, Input).value = ""
        self.query_one("#name", Input).focus()
