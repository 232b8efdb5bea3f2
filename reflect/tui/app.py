"""The reflect terminal app: pick a client, read notes (original or exactly what the model sees),
see recurring themes, and prepare the next session with the local model.

Owns layout and key bindings only. Models load lazily and every slow call (themes, prep) runs in a
thread worker that posts messages; prep streams the model's output and stops on Escape. Errors are
shown as notifications with the one-line message of ``ReflectError``; note text is never logged.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Footer, Header, Input, Label, ListItem, ListView, Markdown, OptionList, Static, TabbedContent, TabPane
from rich.text import Text
from textual.worker import get_current_worker

from reflect.core.domain import Client
from reflect.core.errors import ReflectError
from reflect.tui.messages import CommitmentsCounted, PrepFinished, PrepStreamed, ThemesFound, WorkFailed


class ClientItem(ListItem):
    def __init__(self, client: Client, detail: str):
        self.label = Label(Text.assemble(client.name, "\n", (detail, "dim")))  # names are data, never markup
        super().__init__(self.label)
        self.client = client
        self.detail = detail

    def show_open_commitments(self, count: int) -> None:
        self.label.update(Text.assemble(self.client.name, "\n", (f"{self.detail} · {count} open", "dim")))


class NoteItem(ListItem):
    def __init__(self, note_id: int, label: str):
        super().__init__(Label(Text(label)))
        self.note_id = note_id


class ReflectApp(App):
    """reflect's workspace."""

    TITLE = "reflect"
    SUB_TITLE = "private session reflection: nothing leaves this machine"
    CSS_PATH = "app.tcss"
    BINDINGS = [
        Binding("a", "add_client", "Client", id="add_client"),
        Binding("n", "add_note", "Note", id="add_note"),
        Binding("e", "edit_note", "Edit", id="edit_note"),
        Binding("o", "roster", "Roster", id="roster"),
        Binding("slash", "search", "Search", id="search"),
        Binding("t", "themes", "Themes", id="themes"),
        Binding("p", "prep", "Prep", id="prep"),
        Binding("r", "toggle_redacted", "Original/redacted", id="toggle_redacted"),
        Binding("f", "forget", "Forget", id="forget", show=False),
        Binding("question_mark", "help", "Help", id="help"),
        Binding("escape", "cancel", "Cancel", id="cancel", show=False),
        Binding("q", "quit", "Quit", id="quit"),
    ]

    def __init__(self, practice, demo: bool = False):
        super().__init__()
        self.practice = practice
        self.demo = demo
        self.client: Client | None = None
        self.note_id: int | None = None
        self.show_redacted = False
        self._stream: list[str] = []
        self._theme_details: list = []

    def _fatal_error(self) -> None:
        """An unhandled error ends the app. Textual would print a traceback *with local variables*,
        and in this app the locals hold note text and names; reflect prints the error's type only
        (``REFLECT_DEBUG=1`` restores Textual's full report, on your own screen)."""
        if os.environ.get("REFLECT_DEBUG") == "1":
            super()._fatal_error()
            return
        error = sys.exc_info()[1]
        self.bell()
        self._exit_renderables.append(
            f"reflect: error: unexpected {type(error).__name__ if error else 'error'} in the terminal app; "
            "nothing partial was stored. Run again with REFLECT_DEBUG=1 to see details."
        )
        self._close_messages_no_wait()

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal():
            with Vertical(id="sidebar"):
                yield Label("Clients", classes="heading")
                yield ListView(id="clients")
            with TabbedContent(id="tabs"):
                with TabPane("Notes", id="notes-tab"):
                    with Horizontal():
                        yield ListView(id="notes")
                        with VerticalScroll(id="note-view"):
                            yield Static("", id="note-mode")
                            yield Static("Pick a client, then a note.", id="note-text")
                with TabPane("Themes", id="themes-tab"):
                    with VerticalScroll(id="themes-scroll"):
                        yield Static("Press t to find recurring themes.", id="themes")
                        yield OptionList(id="theme-list")
                        yield Static("", id="theme-evidence")
                with TabPane("Search", id="search-tab"):
                    with Vertical():
                        yield Input(placeholder="Search this client's notes (names are redacted first)", id="query")
                        with VerticalScroll():
                            yield Static("", id="results")
                with TabPane("Prep", id="prep-tab"):
                    with VerticalScroll(id="prep-scroll"):
                        yield Static("", id="stream")
                        yield Markdown("Press **p** to prepare the next session.", id="brief")
        yield Footer()

    def on_mount(self) -> None:
        clients = self.query_one("#clients", ListView)
        for row in self.practice.roster.clients():
            detail = f"{row.notes} notes · last {row.last_session or '-'}"
            clients.append(ClientItem(row.client, detail))
        if clients.children:
            clients.index = 0
            self.client_chosen(ListView.Highlighted(clients, clients.children[0]))
        clients.focus()
        if clients.children:
            self._count_commitments([item.client for item in clients.children])
        if self.demo:
            self.notify("Fictional demo practice", timeout=3)

    @on(ListView.Selected, "#clients")
    def client_opened(self, event: ListView.Selected) -> None:
        """Enter on a client opens their notes: focus moves to the session list, first note shown."""
        self.client_chosen(event)
        notes = self.query_one("#notes", ListView)
        self.query_one("#tabs", TabbedContent).active = "notes-tab"
        notes.focus()
        if notes.children:
            notes.index = 0
            self.note_id = notes.children[0].note_id
            self._show_note()

    @on(ListView.Highlighted, "#clients")
    def client_chosen(self, event) -> None:
        if not isinstance(event.item, ClientItem) or event.item.client == self.client:
            return
        self.client = event.item.client
        notes = self.query_one("#notes", ListView)
        notes.clear()
        for n in self.practice.notes.list(self.client):
            notes.append(NoteItem(n.id, f"{n.date.isoformat()} · note {n.id}"))
        self.query_one("#note-text", Static).update("Pick a note.")
        self.query_one("#themes", Static).update("Press t to find recurring themes.")
        self.query_one("#theme-list", OptionList).clear_options()
        self.query_one("#theme-evidence", Static).update("")
        self.query_one("#results", Static).update("")
        self.query_one("#brief", Markdown).update("Press **p** to prepare the next session.")

    @on(ListView.Highlighted, "#notes")
    @on(ListView.Selected, "#notes")
    def note_chosen(self, event) -> None:
        if isinstance(event.item, NoteItem):
            self.note_id = event.item.note_id
            self._show_note()

    def _show_note(self) -> None:
        if self.client is None or self.note_id is None:
            return
        from reflect.render import highlight_placeholders

        note = self.practice.notes.get(self.client, self.note_id)
        mode = self.query_one("#note-mode", Static)
        text = self.query_one("#note-text", Static)
        if self.show_redacted:
            mode.update("[b]What the index and the model see[/b] (r: original)")
            text.update(highlight_placeholders(note.redacted))
        else:
            mode.update("[b]Original, for you only[/b] (r: what the model sees)")
            text.update(Text(note.original))  # a note with "[/]" or "[x]" is shown as written

    @work(thread=True, exclusive=True, group="commitments", exit_on_error=False)
    def _count_commitments(self, clients: list[Client]) -> None:
        counts = {}
        for client in clients:
            if get_current_worker().is_cancelled:
                return
            counts[client.id] = sum(c.status == "open" for c in self.practice.commitments.list(client))
        self.post_message(CommitmentsCounted(counts))

    @on(CommitmentsCounted)
    def commitments_counted(self, message: CommitmentsCounted) -> None:
        for item in self.query_one("#clients", ListView).children:
            if isinstance(item, ClientItem) and item.client.id in message.counts:
                item.show_open_commitments(message.counts[item.client.id])

    def action_toggle_redacted(self) -> None:
        self.show_redacted = not self.show_redacted
        self._show_note()

    # workers -------------------------------------------------------------------------------------
    def action_themes(self) -> None:
        if self.client is None:
            self.notify("Pick a client first", severity="warning")
            return
        self._show_tab("themes-tab", "#themes-scroll")
        self.query_one("#themes", Static).update("Finding themes…")
        self._themes_worker(self.client)

    @work(thread=True, exclusive=True, group="themes", exit_on_error=False)
    def _themes_worker(self, client: Client) -> None:
        from reflect.render import theme_details, theme_table

        try:
            found = self.practice.insight.themes(client)
            notes = self.practice.notes.list(client)
            reid = self.practice.roster.reidentifier(client)
        except ReflectError as exc:
            self.post_message(WorkFailed(str(exc)))
            return
        self.post_message(ThemesFound(theme_table(client.name, notes, found), [(t.label, theme_details(t, reid)) for t in found]))

    @on(ThemesFound)
    def themes_found(self, message: ThemesFound) -> None:
        self.query_one("#themes", Static).update(message.timeline)
        options = self.query_one("#theme-list", OptionList)
        options.clear_options()
        self._theme_details = [details for _label, details in message.details]
        options.add_options([label for label, _details in message.details])
        if message.details:
            options.highlighted = 0
            options.focus()
            self.query_one("#theme-evidence", Static).update(self._theme_details[0])

    @on(OptionList.OptionHighlighted, "#theme-list")
    def theme_selected(self, event: OptionList.OptionHighlighted) -> None:
        """Selecting a theme shows its sessions' evidence."""
        if 0 <= event.option_index < len(self._theme_details):
            self.query_one("#theme-evidence", Static).update(self._theme_details[event.option_index])

    def action_prep(self) -> None:
        if self.client is None:
            self.notify("Pick a client first", severity="warning")
            return
        self._show_tab("prep-tab", "#prep-scroll")
        self._stream = []
        self.query_one("#stream", Static).update("[dim]Loading models and preparing… (Escape cancels)[/dim]")
        self.query_one("#brief", Markdown).update("")
        self._prep_worker(self.client)

    @work(thread=True, exclusive=True, group="prep", exit_on_error=False)
    def _prep_worker(self, client: Client) -> None:
        from reflect.render import brief_markdown

        worker = get_current_worker()
        try:
            brief = self.practice.insight.prep(
                client,
                on_text=lambda piece: self.post_message(PrepStreamed(piece)),
                cancelled=lambda: worker.is_cancelled,
            )
            reid = self.practice.roster.reidentifier(client)
        except ReflectError as exc:
            self.post_message(WorkFailed(str(exc)))
            return
        if not worker.is_cancelled:
            self.post_message(PrepFinished(brief_markdown(brief, reid)))

    @on(PrepStreamed)
    def prep_streamed(self, message: PrepStreamed) -> None:
        self._stream.append(message.text)
        tail = "".join(self._stream)[-600:]
        self.query_one("#stream", Static).update(Text.assemble(("model (sees only redacted text): ", "dim"), (tail, "dim")))

    @on(PrepFinished)
    def prep_finished(self, message: PrepFinished) -> None:
        self.query_one("#stream", Static).update("")
        self.query_one("#brief", Markdown).update(message.markdown)

    def _show_tab(self, tab: str, focus: str) -> None:
        """Switch tab and move focus into it (a focused widget left in a hidden tab would switch back)."""
        self.query_one("#tabs", TabbedContent).active = tab
        self.query_one(focus).focus()

    # dialogs -----------------------------------------------------------------------------------
    async def _reload_clients(self, select: str | None = None) -> None:
        """Rebuild the client list and leave exactly one client selected — ``select``, else the one
        selected before — and make it the current client, so what the coach sees selected is what
        forget, edit and add act on. Old items are removed before new ones are added (a clear that
        had not finished left two clients looking selected)."""
        clients = self.query_one("#clients", ListView)
        keep = select or (self.client.id if self.client else None)
        await clients.clear()
        items = [ClientItem(row.client, f"{row.notes} notes · last {row.last_session or '-'}") for row in self.practice.roster.clients()]
        await clients.extend(items)
        target = next((i for i, item in enumerate(items) if item.client.id == keep), 0 if items else None)
        clients.index = target
        if target is None:
            self.client = None
        elif self.client is None or self.client.id != items[target].client.id:
            self.client = None
            self.client_chosen(ListView.Highlighted(clients, items[target]))
        if items:
            self._count_commitments([item.client for item in items])

    def _selected_client(self) -> Client | None:
        """The client the list shows selected, and only if it is the current one."""
        item = self.query_one("#clients", ListView).highlighted_child
        if isinstance(item, ClientItem) and self.client is not None and item.client.id == self.client.id:
            return self.client
        return None

    def action_add_client(self) -> None:
        from reflect.tui.screens.add_client import AddClientScreen

        def added(result) -> None:
            if result is None:
                return
            try:
                client = self.practice.roster.add_client(*result)
            except ReflectError as exc:
                self.notify(str(exc), severity="error", markup=False)
                return
            self.call_later(self._reload_clients, client.id)
            self.notify(f"Added {client.name}", markup=False)

        self.push_screen(AddClientScreen(), added)

    def action_add_note(self) -> None:
        from reflect.tui.screens.add_note import AddNoteScreen

        if self.client is None:
            self.notify("Pick a client first", severity="warning")
            return
        client = self.client

        def written(result) -> None:
            if result is not None:
                self.notify("Redacting, storing and indexing the note…")
                self._add_note_worker(client, *result)

        self.push_screen(AddNoteScreen(self.practice, client), written)

    @work(thread=True, exclusive=True, group="ingest", exit_on_error=False)
    def _add_note_worker(self, client: Client, when, text: str) -> None:
        from reflect.core.noteinput import NoteInput

        try:
            [note] = self.practice.notes.add(client, [NoteInput(when, text, "the note editor")])
        except ReflectError as exc:
            self.post_message(WorkFailed(str(exc)))
            return
        self.call_from_thread(self._note_added, client, note.id)

    def _note_added(self, client: Client, note_id: int) -> None:
        self.notify(f"Note {note_id} saved")
        if self.client and self.client.id == client.id:
            notes = self.query_one("#notes", ListView)
            notes.append(NoteItem(note_id, f"{self.practice.notes.get(client, note_id).date.isoformat()} · note {note_id}"))
        self.call_later(self._reload_clients)  # counts and last session change; the selection stays

    def action_edit_note(self) -> None:
        from reflect.tui.screens.add_note import AddNoteScreen

        if self.client is None or self.note_id is None:
            self.notify("Pick a note first", severity="warning")
            return
        client, note = self.client, self.practice.notes.get(self.client, self.note_id)

        def written(result) -> None:
            if result is not None:
                self.notify("Redacting and re-indexing the note…")
                self._edit_note_worker(client, note.id, *result)

        self.push_screen(AddNoteScreen(self.practice, client, note.original, note.date, title=f"Edit note {note.id}"), written)

    @work(thread=True, exclusive=True, group="ingest", exit_on_error=False)
    def _edit_note_worker(self, client: Client, note_id: int, when, text: str) -> None:
        from reflect.core.noteinput import NoteInput

        try:
            self.practice.notes.edit(client, note_id, NoteInput(when, text, "the note editor"))
        except ReflectError as exc:
            self.post_message(WorkFailed(str(exc)))
            return
        self.call_from_thread(self._note_edited, note_id)

    def _note_edited(self, note_id: int) -> None:
        self.notify(f"Note {note_id} saved")
        if self.note_id == note_id:
            self._show_note()

    def action_roster(self) -> None:
        from reflect.tui.screens.roster import RosterScreen

        if self.client is None:
            self.notify("Pick a client first", severity="warning")
            return
        client = self.client

        def added(result) -> None:
            if result is None:
                return
            try:
                person, report = self.practice.roster.add_person(client, *result)
            except ReflectError as exc:
                self.notify(str(exc), severity="error", markup=False)
                return
            self.notify(f"{person.name} is on the roster and will always be redacted; {report.describe()}", markup=False)

        self.push_screen(RosterScreen(client.name, _roster_rows(self.practice, client)), added)

    def action_search(self) -> None:
        if self.client is None:
            self.notify("Pick a client first", severity="warning")
            return
        self._show_tab("search-tab", "#query")

    @on(Input.Submitted, "#query")
    def _search_submitted(self, event: Input.Submitted) -> None:
        if self.client is not None and event.value.strip():
            self.query_one("#results", Static).update("Searching…")
            self._search_worker(self.client, event.value)

    @work(thread=True, exclusive=True, group="search", exit_on_error=False)
    def _search_worker(self, client: Client, query: str) -> None:
        try:
            results = self.practice.insight.search(client, query, 8)
            reid = self.practice.roster.reidentifier(client)
        except ReflectError as exc:
            self.post_message(WorkFailed(str(exc)))
            return
        lines = [f"[b]note {p.note_id} · {p.date} · {p.score:.2f}[/b]\n{_escape(reid(p.text))}\n" for p in results]
        self.call_from_thread(self.query_one("#results", Static).update, "\n".join(lines) or "Nothing found.")

    def action_forget(self) -> None:
        from reflect.tui.screens.confirm_forget import ConfirmForgetScreen

        client = self._selected_client()  # only the client the coach sees selected
        if client is None:
            self.notify("Pick a client in the list first", severity="warning")
            return

        def confirmed(erase: bool | None) -> None:
            if not erase:
                return
            try:
                self.practice.upkeep.forget(client)
            except ReflectError as exc:
                self.notify(str(exc), severity="error", markup=False)
            self.client = None
            self.query_one("#notes", ListView).clear()
            self.query_one("#note-text", Static).update("")
            self.call_later(self._reload_clients)
            self.notify(f"{client.name} was erased", markup=False)

        self.push_screen(ConfirmForgetScreen(client.name), confirmed)

    def action_help(self) -> None:
        from reflect.tui.screens.help import HelpScreen

        self.push_screen(HelpScreen())

    def action_screenshot(self, filename: str | None = None, path: str | None = None) -> None:
        """Disabled: a screenshot would put client names and note text in a file outside the data directory."""
        self.notify("Screenshots are off in reflect: they would write client names to a file outside the practice")

    def deliver_screenshot(self, filename: str | None = None, path: str | None = None, time_format: str | None = None) -> str | None:
        self.action_screenshot()
        return None

    def get_system_commands(self, screen):
        from textual.app import SystemCommand

        # Textual's own "Screenshot" writes an SVG of the screen (client names, note text) to
        # ~/Downloads, readable by every user: no command of the app writes outside the data directory.
        yield from (command for command in super().get_system_commands(screen) if command.title not in _FILE_WRITING_COMMANDS)
        yield SystemCommand("client: add", "Add a client to the practice", self.action_add_client)
        yield SystemCommand("client: forget", "Erase the selected client (asks first)", self.action_forget)
        yield SystemCommand("note: add with redaction preview", "Write a note and see what the model will see", self.action_add_note)
        yield SystemCommand("note: toggle original / redacted", "Show what the model sees", self.action_toggle_redacted)
        yield SystemCommand("roster: edit", "People around the client, always redacted", self.action_roster)
        yield SystemCommand("search: notes", "Semantic search over this client's notes", self.action_search)
        yield SystemCommand("themes: show", "Recurring themes over time", self.action_themes)
        yield SystemCommand("prep: next session", "Prepare the next session with the local model", self.action_prep)
        yield SystemCommand("help", "Keys and what reflect does", self.action_help)

    def action_cancel(self) -> None:
        cancelled = [w for w in self.workers if w.group == "prep" and w.is_running]
        for w in cancelled:
            w.cancel()
        if cancelled:
            self.query_one("#stream", Static).update("[yellow]Prep cancelled.[/yellow]")

    @on(WorkFailed)
    def work_failed(self, message: WorkFailed) -> None:
        self.notify(message.message, severity="error", timeout=8, markup=False)

    def on_worker_state_changed(self, event) -> None:
        from textual.worker import WorkerState

        if event.state == WorkerState.ERROR:
            # Unexpected failures: show the type only; the exception text could quote a note.
            self.notify(f"Something went wrong ({type(event.worker.error).__name__}); nothing was stored", severity="error")


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


_FILE_WRITING_COMMANDS = {"Screenshot"}


def _roster_rows(practice, client: Client) -> list[tuple[str, str, str, str]]:
    """Every entry of the client's map — the roster and the names learned from notes — with where it
    came from and the placeholder it becomes (the same rows as ``reflect person list``)."""
    origin = {"roster": "roster", "learned": "learned from notes", "seen": "seen once", "not a name": "not a name"}
    rows = []
    for e in practice.roster.entries(client):
        source = origin.get(e.origin, e.origin) + (f" ({e.role})" if e.role else "")
        rows.append((e.forms[0], ", ".join(e.forms[1:4]) + ("…" if len(e.forms) > 4 else ""), source, e.placeholder or "-"))
    return rows


def run_app(data_dir: Path | None = None, demo: bool = False, model: str | None = None, passphrase=None, components=None) -> None:
    """Unlock the practice (the passphrase is asked before the app starts) and run the app on it."""
    from reflect.core.opener import data_paths, open_practice
    from reflect.settings import Settings

    settings = Settings.load(data_paths(data_dir).config, model=model)
    with open_practice(data_dir, settings=settings, passphrase=passphrase, components=components) as practice:
        ReflectApp(practice, demo=demo).run()
