"""The notes pane: the client's sessions and the selected note, original or exactly what the model sees.

Adding and editing a note run in thread workers (redaction and indexing load models lazily); when one
is stored the pane posts ``NotesPane.Changed`` so the workspace refreshes counts and commitments, and
the list is rebuilt at once with the note's (possibly new) date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Label, ListItem, ListView, Static

from reflect.core.domain import Client
from reflect.core.errors import ReflectError
from reflect.tui.context import practice_of
from reflect.tui.messages import ReportsWorkerErrors, WorkFailed


class NoteItem(ListItem):
    def __init__(self, note_id: int, label: str):
        super().__init__(Label(Text(label)))
        self.note_id = note_id


def no_notes(client: Client) -> Text:
    return Text(f"No notes for {client.name} yet: press n to write the first one.")


class NotesPane(ReportsWorkerErrors, Horizontal):
    @dataclass
    class Changed(Message):
        """A note of ``client`` was stored (added, edited or re-dated)."""

        client: Client
        note_id: int
        verb: str

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.client: Client | None = None
        self.note_id: int | None = None
        self.show_redacted = False
        self.passage: str | None = None

    def compose(self) -> ComposeResult:
        yield ListView(id="notes")
        with VerticalScroll(id="note-view"):
            yield Static("", id="note-mode")
            yield Static("Pick a client, then a note.", id="note-text")

    async def show_client(self, client: Client | None, select: int | None = None) -> None:
        """List ``client``'s notes (None: nothing), selecting ``select`` if given."""
        self.client, self.note_id, self.passage = client, None, None
        view = self.query_one("#notes", ListView)
        await view.clear()
        self.query_one("#note-mode", Static).update("")
        if client is None:
            self.query_one("#note-text", Static).update("")
            return
        notes = practice_of(self).notes.list(client)
        await view.extend(NoteItem(n.id, f"#{i} · {n.date.isoformat()}") for i, n in enumerate(notes, 1))
        if not notes:
            self.query_one("#note-text", Static).update(no_notes(client))
        elif select is not None:
            self.select(select)
        else:
            self.query_one("#note-text", Static).update("Pick a note.")

    def select(self, note_id: int, passage: str | None = None) -> None:
        """Select and show one note; ``passage`` (a search hit) is shown above it."""
        view = self.query_one("#notes", ListView)
        index = next((i for i, item in enumerate(view.children) if isinstance(item, NoteItem) and item.note_id == note_id), None)
        if index is not None:
            view.index = index
        self.note_id, self.passage = note_id, passage
        self.show_note()

    @on(ListView.Highlighted, "#notes")
    @on(ListView.Selected, "#notes")
    def _chosen(self, event) -> None:
        event.stop()
        if isinstance(event.item, NoteItem) and event.item.note_id != self.note_id:
            self.note_id, self.passage = event.item.note_id, None
            self.show_note()

    def toggle_redacted(self) -> None:
        self.show_redacted = not self.show_redacted
        self.show_note()

    def show_note(self) -> None:
        if self.client is None or self.note_id is None:
            return
        from reflect.render import highlight_placeholders

        note = practice_of(self).notes.get(self.client, self.note_id)
        mode = Text()
        if self.show_redacted:
            mode.append("What the index and the model see", "bold").append(" (r: original)")
            body = highlight_placeholders(note.redacted)
        else:
            mode.append("Original, for you only", "bold").append(" (r: what the model sees)")
            body = Text(note.original)  # a note with "[/]" or "[x]" is shown as written
        number = next((i for i, n in enumerate(practice_of(self).notes.list(self.client), 1) if n.id == note.id), None)
        mode.append(f"\nsession #{number} · {note.date.isoformat()} · note id {note.id}", "dim")
        if self.passage:
            shown = self.passage if self.show_redacted else practice_of(self).roster.reidentifier(self.client).quote(self.passage, note.id)
            mode.append("\nFound by search: ", "bold").append(shown, "italic")
            start = body.plain.find(shown)
            if start >= 0:
                body.stylize("reverse", start, start + len(shown))
        self.query_one("#note-mode", Static).update(mode)
        self.query_one("#note-text", Static).update(body)

    # storing notes ---------------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="ingest", exit_on_error=False)
    def add_note(self, client: Client, when: date, text: str) -> None:
        from reflect.core.noteinput import NoteInput

        try:
            [note] = practice_of(self).notes.add(client, [NoteInput(when, text, "the note editor")])
        except ReflectError as exc:
            self.post_message(WorkFailed(str(exc)))
            return
        self.post_message(self.Changed(client, note.id, "saved"))

    @work(thread=True, exclusive=True, group="ingest", exit_on_error=False)
    def edit_note(self, client: Client, note_id: int, when: date, text: str) -> None:
        from reflect.core.noteinput import NoteInput

        notes = practice_of(self).notes
        try:
            old = notes.get(client, note_id)
            if text == old.original:
                if when == old.date:
                    return
                notes.redate(client, note_id, when)
                verb = "re-dated"
            else:
                notes.edit(client, note_id, NoteInput(when, text, "the note editor"))
                verb = "saved"
        except ReflectError as exc:
            self.post_message(WorkFailed(str(exc)))
            return
        self.post_message(self.Changed(client, note_id, verb))
