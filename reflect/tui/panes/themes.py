"""The themes pane: the timeline of recurring themes and, for the highlighted theme, its evidence
(names restored). Themes are found in a thread worker (the embedder loads lazily)."""

from __future__ import annotations

from rich.console import RenderableType
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import OptionList, Static

from reflect.core.domain import Client
from reflect.core.errors import ReflectError
from reflect.tui.context import practice_of
from reflect.tui.messages import ReportsWorkerErrors, ThemesFound, WorkFailed

PROMPT = "Press t to find recurring themes."


class ThemesPane(ReportsWorkerErrors, VerticalScroll):
    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._details: list[RenderableType] = []

    def compose(self) -> ComposeResult:
        yield Static(PROMPT, id="themes")
        yield OptionList(id="theme-list")
        yield Static("", id="theme-evidence")

    def reset(self, message=PROMPT) -> None:
        self.workers.cancel_group(self, "themes")
        self.query_one("#themes", Static).update(message)
        self.query_one("#theme-list", OptionList).clear_options()
        self.query_one("#theme-evidence", Static).update("")
        self._details = []

    def start(self, client: Client) -> None:
        self.reset("Finding themes… (the first time, the models load)")
        self._find(client)

    @work(thread=True, exclusive=True, group="themes", exit_on_error=False)
    def _find(self, client: Client) -> None:
        from reflect.render import theme_details, theme_table

        practice = practice_of(self)
        try:
            found = practice.insight.themes(client)
            notes = practice.notes.list(client)
            reid = practice.roster.reidentifier(client)
        except ReflectError as exc:
            self.post_message(WorkFailed(str(exc)))
            self.post_message(ThemesFound("", []))
            return
        self.post_message(ThemesFound(theme_table(client.name, notes, found), [(t.label, theme_details(t, reid)) for t in found]))

    @on(ThemesFound)
    def _found(self, message: ThemesFound) -> None:
        message.stop()
        self.query_one("#themes", Static).update(message.timeline)
        options = self.query_one("#theme-list", OptionList)
        options.clear_options()
        self._details = [details for _label, details in message.details]
        options.add_options([Text(label) for label, _details in message.details])  # a label is data, never markup
        if message.details:
            options.highlighted = 0
            options.focus()
            self.query_one("#theme-evidence", Static).update(self._details[0])

    @on(OptionList.OptionHighlighted, "#theme-list")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        """Highlighting a theme shows its sessions' evidence."""
        event.stop()
        if 0 <= event.option_index < len(self._details):
            self.query_one("#theme-evidence", Static).update(self._details[event.option_index])
