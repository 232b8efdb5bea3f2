"""The workspace: clients on the left; notes, themes, search and prep in tabs; commitments, goals
and the roster in dialogs. Owns the current client
and the workspace actions (the App's bindings run them here, through the ``screen.`` namespace); each
pane owns its own workers and posts messages up."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer, Header, TabbedContent, TabPane

from reflect.core.domain import Client
from reflect.core.errors import ReflectError
from reflect.tui.context import practice_of
from reflect.tui.panes.clients import ClientsPane
from reflect.tui.panes.notes import NoteItem, NotesPane, no_notes
from reflect.tui.panes.prep import PrepPane
from reflect.tui.panes.search import SearchPane
from reflect.tui.panes.themes import ThemesPane


class WorkspaceScreen(Screen):
    def __init__(self) -> None:
        super().__init__()
        self.client: Client | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="workspace"):
            yield ClientsPane(id="sidebar")
            with TabbedContent(id="tabs"):
                with TabPane("Notes", id="notes-tab"):
                    yield NotesPane(id="notes-pane")
                with TabPane("Themes", id="themes-tab"):
                    yield ThemesPane(id="themes-scroll")
                with TabPane("Search", id="search-tab"):
                    yield SearchPane(id="search-pane")
                with TabPane("Prep", id="prep-tab"):
                    yield PrepPane(id="prep-scroll")
        yield Footer(compact=True)

    @property
    def clients(self) -> ClientsPane:
        return self.query_one(ClientsPane)

    @property
    def notes(self) -> NotesPane:
        return self.query_one(NotesPane)

    async def on_mount(self) -> None:
        await self.reload_clients()
        self.clients.view.focus()

    async def reload_clients(self, select: str | None = None) -> None:
        chosen = await self.clients.reload(select)
        if chosen is None or self.client is None or chosen.id != self.client.id:
            await self.choose(chosen)

    async def choose(self, client: Client | None) -> None:
        """Make ``client`` current: every pane starts over for them."""
        self.client = client
        await self.notes.show_client(client)
        empty = no_notes(client) if client is not None and not practice_of(self).notes.count(client) else None
        self.query_one(ThemesPane).reset(empty if empty is not None else "Press t to find recurring themes.")
        self.query_one(SearchPane).reset(client)
        self.query_one(PrepPane).reset(str(empty) if empty is not None else "Press **p** to prepare the next session.")

    @on(ClientsPane.Chosen)
    async def _chosen(self, message: ClientsPane.Chosen) -> None:
        if message.client is None or self.client is None or message.client.id != self.client.id:
            await self.choose(message.client)

    @on(ClientsPane.Opened)
    async def _opened(self, message: ClientsPane.Opened) -> None:
        """Enter on a client opens their notes: focus moves to the session list, first note shown."""
        if self.client is None or message.client.id != self.client.id:
            await self.choose(message.client)
        self._show_tab("notes-tab", "#notes")
        view = self.notes.query_one("#notes")
        if view.children and isinstance(first := view.children[0], NoteItem):  # the list holds only NoteItems
            self.notes.select(first.note_id)

    @on(NotesPane.Changed)
    async def _note_changed(self, message: NotesPane.Changed) -> None:
        self.notify(f"Note {message.note_id} {message.verb}")
        await self.clients.reload()  # counts, last session and open commitments change; the selection stays
        if self.client is not None and self.client.id == message.client.id:
            await self.notes.show_client(self.client, select=message.note_id)
            self.query_one(ThemesPane).reset()
            self.query_one(PrepPane).reset()

    @on(SearchPane.PassageOpened)
    def _passage_opened(self, message: SearchPane.PassageOpened) -> None:
        self._show_tab("notes-tab", "#notes")
        self.notes.select(message.note_id, message.passage)

    def _show_tab(self, tab: str, focus: str) -> None:
        """Switch tab and move focus into it (a focused widget left in a hidden tab would switch back)."""
        self.query_one("#tabs", TabbedContent).active = tab
        self.query_one(focus).focus()

    def _need_client(self, notes: bool = False) -> Client | None:
        if self.client is None:
            self.notify("Pick a client first", severity="warning")
            return None
        if notes and not practice_of(self).notes.count(self.client):
            self.notify(str(no_notes(self.client)), severity="warning", markup=False)
            return None
        return self.client

    def _selected_client(self) -> Client | None:
        """The client the list shows selected, and only if it is the current one."""
        shown = self.clients.highlighted()
        return self.client if shown is not None and self.client is not None and shown.id == self.client.id else None

    # actions (keys and palette, from reflect.tui.actions) ---------------------------------------------
    def action_toggle_redacted(self) -> None:
        self.notes.toggle_redacted()

    def action_themes(self) -> None:
        if client := self._need_client():
            self._show_tab("themes-tab", "#themes-scroll")
            if practice_of(self).notes.count(client):
                self.query_one(ThemesPane).start(client)

    def action_prep(self) -> None:
        if client := self._need_client():
            self._show_tab("prep-tab", "#prep-scroll")
            if practice_of(self).notes.count(client):
                self.query_one(PrepPane).start(client)

    def action_search(self) -> None:
        if self._need_client(notes=True):
            self._show_tab("search-tab", "#query")

    def action_cancel(self) -> None:
        self.query_one(PrepPane).cancel()

    def action_add_client(self) -> None:
        from reflect.tui.screens.add_client import AddClientScreen

        async def added(result) -> None:
            if result is None:
                return
            try:
                client = practice_of(self).roster.add_client(*result)
            except ReflectError as exc:
                self.notify(str(exc), severity="error", markup=False)
                return
            await self.reload_clients(client.id)
            self.notify(f"Added {client.name}", markup=False)

        self.app.push_screen(AddClientScreen(), added)

    def action_add_note(self) -> None:
        from reflect.tui.screens.add_note import AddNoteScreen

        if (client := self._need_client()) is None:
            return

        def written(result) -> None:
            if result is not None:
                self.notify("Redacting, storing and indexing the note…")
                self.notes.add_note(client, *result)

        self.app.push_screen(AddNoteScreen(practice_of(self), client), written)

    def action_edit_note(self) -> None:
        from reflect.tui.screens.add_note import AddNoteScreen

        if self.client is None or self.notes.note_id is None:
            self.notify("Pick a note first", severity="warning")
            return
        client, note = self.client, practice_of(self).notes.get(self.client, self.notes.note_id)

        def written(result) -> None:
            if result is not None:
                self.notify("Redacting and re-indexing the note…")
                self.notes.edit_note(client, note.id, *result)

        self.app.push_screen(AddNoteScreen(practice_of(self), client, note.original, note.date, title=f"Edit note {note.id}"), written)

    def action_commitments(self) -> None:
        from reflect.tui.screens.commitments import CommitmentsScreen

        if client := self._need_client():
            self.app.push_screen(CommitmentsScreen(practice_of(self), client), self._after_listing)

    def action_goals(self) -> None:
        from reflect.tui.screens.goals import GoalsScreen

        if client := self._need_client():
            self.app.push_screen(GoalsScreen(practice_of(self), client), self._after_listing)

    async def _after_listing(self, changed: bool | None) -> None:
        """A commitment or goal changed: open counts in the client list, and the brief, start over."""
        if changed:
            await self.clients.reload()
            self.query_one(PrepPane).reset()

    def action_roster(self) -> None:
        from reflect.tui.screens.roster import RosterScreen

        if client := self._need_client():
            self.app.push_screen(RosterScreen(practice_of(self), client))

    def action_forget(self) -> None:
        from reflect.tui.screens.confirm_forget import ConfirmForgetScreen

        client = self._selected_client()  # only the client the coach sees selected
        if client is None:
            self.notify("Pick a client in the list first", severity="warning")
            return

        async def confirmed(erase: bool | None) -> None:
            if not erase:
                return
            try:
                practice_of(self).upkeep.forget(client)
            except ReflectError as exc:
                self.notify(str(exc), severity="error", markup=False)
            self.client = None
            await self.reload_clients()
            self.notify(f"{client.name} was erased", markup=False)

        self.app.push_screen(ConfirmForgetScreen(client.name), confirmed)
