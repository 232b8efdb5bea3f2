"""Write (or edit) a note with a live redaction preview: what the index and the model will see, before saving.

The preview runs in a thread worker a moment after typing stops (the redaction models load lazily the
first time). Returns (date, text) or None."""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Button, Input, Label, Static, TextArea
from textual.worker import get_current_worker

from reflect.core.domain import Client
from reflect.core.errors import ReflectError
from reflect.tui.messages import ReportsWorkerErrors


class AddNoteScreen(ReportsWorkerErrors, ModalScreen[tuple[date, str] | None]):
    BINDINGS = [
        Binding("escape", "discard", "Cancel", id="cancel_dialog"),
        Binding("ctrl+s", "save", "Save note", id="save_note"),
    ]

    def __init__(self, practice, client: Client, text: str = "", when: date | None = None, title: str = "New note") -> None:
        super().__init__()
        self.practice = practice
        self.client = client
        self.initial_text = text
        self.initial_date = when or date.today()
        self.title = title
        self._debounce: Timer | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="note-dialog"):
            yield Label(Text(f"{self.title} for {self.client.name}  (ctrl+s saves, escape cancels)"), classes="heading")
            with Horizontal(id="note-fields"):
                yield TextArea(self.initial_text, id="text", soft_wrap=True)
                with VerticalScroll(id="preview-pane"):
                    yield Label("What the model will see", classes="heading")
                    yield Static("Start typing…", id="preview")
            with Horizontal(classes="buttons"):
                yield Label("Session date", classes="field-label")
                yield Input(value=self.initial_date.isoformat(), placeholder="YYYY-MM-DD", id="date")
                yield Button("Save note", variant="primary", id="save")

    def on_mount(self) -> None:
        self.query_one("#text", TextArea).focus()

    @on(TextArea.Changed)
    def _changed(self) -> None:
        if self._debounce is not None:
            self._debounce.stop()
        self._debounce = self.set_timer(0.4, self._refresh_preview)

    def _refresh_preview(self) -> None:
        self._preview_worker(self.query_one("#text", TextArea).text)

    @work(thread=True, exclusive=True, group="preview", exit_on_error=False)
    def _preview_worker(self, text: str) -> None:
        from reflect.render import highlight_placeholders

        if not text.strip():
            return
        try:
            redacted = self.practice.notes.preview(text, self.client).redacted
        except ReflectError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error")
            return
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self.query_one("#preview", Static).update, highlight_placeholders(redacted))

    def on_button_pressed(self) -> None:
        self.action_save()

    @on(Input.Submitted, "#date")
    def _date_submitted(self) -> None:
        self.action_save()

    def action_discard(self) -> None:
        """Escape: leave at once when nothing was written, else ask first."""
        from reflect.tui.screens.confirm import ConfirmScreen

        text = self.query_one("#text", TextArea).text
        if not text.strip() or text == self.initial_text:
            self.dismiss(None)
            return

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        self.app.push_screen(ConfirmScreen("Discard this note? What you wrote is not saved.", "Discard", "Keep writing"), answered)

    def action_save(self) -> None:
        from reflect.core.noteinput import parse_date

        text = self.query_one("#text", TextArea).text
        if not text.strip():
            self.notify("The note is empty", severity="warning")
            return
        try:
            when = parse_date(self.query_one("#date", Input).value, "the date field")
        except ReflectError as exc:
            self.notify(str(exc), severity="error", markup=False)
            return
        self.dismiss((when, text))
