"""The search pane: a query box and the passages found (names restored on screen only), searched in a
thread worker. Escape leaves the query box for the results; Enter on a result posts
``SearchPane.PassageOpened`` so the workspace opens that note with the passage shown."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from reflect.core.domain import Client
from reflect.core.errors import ReflectError
from reflect.tui.context import practice_of, reflect_app
from reflect.tui.messages import ReportsWorkerErrors, SearchFound, WorkFailed


class SearchPane(ReportsWorkerErrors, Vertical):
    BINDINGS = [Binding("escape", "leave_query", "Results", show=False, id="leave_query")]

    @dataclass
    class PassageOpened(Message):
        note_id: int
        passage: str
        """The passage as it is stored (redacted); the note view finds it in either form."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.client: Client | None = None
        self._hits: list[tuple[int, str]] = []

    def compose(self) -> ComposeResult:
        yield Input(placeholder="Search this client's notes (names are redacted first)", id="query")
        yield Static("", id="search-status")
        yield OptionList(id="results")

    def reset(self, client: Client | None) -> None:
        self.client = client
        self._hits = []
        self.query_one("#results", OptionList).clear_options()
        self.query_one("#search-status", Static).update("")

    def action_leave_query(self) -> None:
        if self.query_one("#query", Input).has_focus:
            self.query_one("#results", OptionList).focus()
        else:
            reflect_app(self).workspace.action_cancel()  # the pane's own screen: its binding fires only there

    @on(Input.Submitted, "#query")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.client is not None and event.value.strip():
            self.query_one("#search-status", Static).update("Searching… (the first time, the models load)")
            self._search(self.client, event.value)

    @work(thread=True, exclusive=True, group="search", exit_on_error=False)
    def _search(self, client: Client, query: str) -> None:
        practice = practice_of(self)
        try:
            results = practice.insight.search(client, query, 8)
            reid = practice.roster.reidentifier(client)
            number = {n.id: i for i, n in enumerate(practice.notes.list(client), 1)}
        except ReflectError as exc:
            self.post_message(WorkFailed(str(exc)))
            self.post_message(SearchFound([]))
            return
        self.post_message(SearchFound([(p.note_id, f"#{number.get(p.note_id, '?')} · {p.date} · {p.score:.2f}", reid.quote(p.text, p.note_id), p.text) for p in results]))

    @on(SearchFound)
    def _found(self, message: SearchFound) -> None:
        message.stop()
        results = self.query_one("#results", OptionList)
        results.clear_options()
        self._hits = [(note_id, stored) for note_id, _head, _shown, stored in message.hits]
        results.add_options(Option(Text.assemble((head, "bold"), "\n", shown)) for _id, head, shown, _stored in message.hits)
        status = f"{len(message.hits)} passages: Enter opens the note" if message.hits else "Nothing found."
        self.query_one("#search-status", Static).update(status)
        if message.hits:
            results.highlighted = 0
            results.focus()

    @on(OptionList.OptionSelected, "#results")
    def _opened(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if 0 <= event.option_index < len(self._hits):
            self.post_message(self.PassageOpened(*self._hits[event.option_index]))
