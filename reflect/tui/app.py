"""The reflect terminal app: pick a client, read notes (original or exactly what the model sees),
see recurring themes, and prepare the next session with the local model.

Owns layout and key bindings only. Models load lazily and every slow call (themes, prep) runs in a
thread worker that posts messages; prep streams the model's output and stops on Escape. Errors are
shown as notifications with the one-line message of ``ReflectError``; note text is never logged.
"""

from __future__ import annotations

from pathlib import Path

from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Footer, Header, Label, ListItem, ListView, Markdown, Static, TabbedContent, TabPane
from textual.worker import get_current_worker

from reflect.core.domain import Client
from reflect.core.errors import ReflectError
from reflect.tui.messages import PrepFinished, PrepStreamed, ThemesFound, WorkFailed


class ClientItem(ListItem):
    def __init__(self, client: Client, detail: str):
        super().__init__(Label(f"{client.name}\n[dim]{detail}[/dim]"))
        self.client = client


class NoteItem(ListItem):
    def __init__(self, note_id: int, label: str):
        super().__init__(Label(label))
        self.note_id = note_id


class ReflectApp(App):
    """reflect's workspace."""

    TITLE = "reflect"
    SUB_TITLE = "private session reflection: nothing leaves this machine"
    CSS_PATH = "app.tcss"
    BINDINGS = [
        Binding("p", "prep", "Prep brief", id="prep"),
        Binding("t", "themes", "Themes", id="themes"),
        Binding("r", "toggle_redacted", "Original / redacted", id="toggle_redacted"),
        Binding("escape", "cancel", "Cancel", id="cancel"),
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
                    with VerticalScroll():
                        yield Markdown("Press **t** to find recurring themes.", id="themes")
                with TabPane("Prep", id="prep-tab"):
                    with VerticalScroll():
                        yield Static("", id="stream")
                        yield Markdown("Press **p** to prepare the next session.", id="brief")
        yield Footer()

    def on_mount(self) -> None:
        clients = self.query_one("#clients", ListView)
        for row in self.practice.clients():
            detail = f"{row.notes} notes · last {row.last_session or '-'}"
            clients.append(ClientItem(row.client, detail))
        if clients.children:
            clients.index = 0
            self.client_chosen(ListView.Highlighted(clients, clients.children[0]))
        clients.focus()
        if self.demo:
            self.notify("Fictional demo practice", timeout=3)

    @on(ListView.Selected, "#clients")
    @on(ListView.Highlighted, "#clients")
    def client_chosen(self, event) -> None:
        if not isinstance(event.item, ClientItem) or event.item.client == self.client:
            return
        self.client = event.item.client
        notes = self.query_one("#notes", ListView)
        notes.clear()
        for n in self.practice.notes(self.client):
            notes.append(NoteItem(n.id, f"{n.date.isoformat()} · note {n.id}"))
        self.query_one("#note-text", Static).update("Pick a note.")
        self.query_one("#themes", Markdown).update("Press **t** to find recurring themes.")
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

        note = self.practice.note(self.client, self.note_id)
        mode = self.query_one("#note-mode", Static)
        text = self.query_one("#note-text", Static)
        if self.show_redacted:
            mode.update("[b]What the index and the model see[/b] (r: original)")
            text.update(highlight_placeholders(note.redacted))
        else:
            mode.update("[b]Original, for you only[/b] (r: what the model sees)")
            text.update(note.original)

    def action_toggle_redacted(self) -> None:
        self.show_redacted = not self.show_redacted
        self._show_note()

    # workers -------------------------------------------------------------------------------------
    def action_themes(self) -> None:
        if self.client is None:
            self.notify("Pick a client first", severity="warning")
            return
        self.query_one("#tabs", TabbedContent).active = "themes-tab"
        self.query_one("#themes", Markdown).update("_Finding themes…_")
        self._themes_worker(self.client)

    @work(thread=True, exclusive=True, group="themes", exit_on_error=False)
    def _themes_worker(self, client: Client) -> None:
        try:
            found = self.practice.themes(client)
            reid = self.practice.pseudonym_map(client).reidentify
        except ReflectError as exc:
            self.post_message(WorkFailed(str(exc)))
            return
        lines = [f"## Recurring themes · {client.name}", ""]
        if not found:
            lines.append("None yet: a theme recurs once it appears in two sessions.")
        for t in found:
            sessions = ", ".join(s.date for s in t.sessions)
            lines.append(f"- **{t.label}** ({t.trend}) — {sessions}")
            for ev in t.evidence[:2]:
                lines.append(f"  - “{reid(ev.text)}” (note {ev.note_id})")
        self.post_message(ThemesFound("\n".join(lines)))

    @on(ThemesFound)
    def themes_found(self, message: ThemesFound) -> None:
        self.query_one("#themes", Markdown).update(message.markdown)

    def action_prep(self) -> None:
        if self.client is None:
            self.notify("Pick a client first", severity="warning")
            return
        self.query_one("#tabs", TabbedContent).active = "prep-tab"
        self._stream = []
        self.query_one("#stream", Static).update("[dim]Loading models and preparing… (Escape cancels)[/dim]")
        self.query_one("#brief", Markdown).update("")
        self._prep_worker(self.client)

    @work(thread=True, exclusive=True, group="prep", exit_on_error=False)
    def _prep_worker(self, client: Client) -> None:
        from reflect.render import brief_markdown

        worker = get_current_worker()
        try:
            brief = self.practice.prep(
                client,
                on_text=lambda piece: self.post_message(PrepStreamed(piece)),
                cancelled=lambda: worker.is_cancelled,
            )
            reid = self.practice.pseudonym_map(client).reidentify
        except ReflectError as exc:
            self.post_message(WorkFailed(str(exc)))
            return
        if not worker.is_cancelled:
            self.post_message(PrepFinished(brief_markdown(brief, reid)))

    @on(PrepStreamed)
    def prep_streamed(self, message: PrepStreamed) -> None:
        self._stream.append(message.text)
        tail = "".join(self._stream)[-600:]
        self.query_one("#stream", Static).update(f"[dim]model (sees only redacted text): {tail}[/dim]")

    @on(PrepFinished)
    def prep_finished(self, message: PrepFinished) -> None:
        self.query_one("#stream", Static).update("")
        self.query_one("#brief", Markdown).update(message.markdown)

    def action_cancel(self) -> None:
        cancelled = [w for w in self.workers if w.group == "prep" and w.is_running]
        for w in cancelled:
            w.cancel()
        if cancelled:
            self.query_one("#stream", Static).update("[yellow]Prep cancelled.[/yellow]")

    @on(WorkFailed)
    def work_failed(self, message: WorkFailed) -> None:
        self.notify(message.message, severity="error", timeout=8)

    def on_worker_state_changed(self, event) -> None:
        from textual.worker import WorkerState

        if event.state == WorkerState.ERROR:
            # Unexpected failures: show the type only; the exception text could quote a note.
            self.notify(f"Something went wrong ({type(event.worker.error).__name__}); nothing was stored", severity="error")


def run_app(data_dir: Path | None = None, demo: bool = False, model: str | None = None) -> None:
    from reflect.core.practice import Practice
    from reflect.paths import DataPaths, default_data_dir
    from reflect.settings import Settings

    root = (data_dir or default_data_dir()).expanduser()
    with Practice.open(root, Settings.load(DataPaths(root).config, model=model)) as practice:
        ReflectApp(practice, demo=demo).run()
