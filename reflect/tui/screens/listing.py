"""The shape of the app's list dialogs (commitments, goals): a heading, a list of one client's items,
the highlighted item's details, and a line of the dialog's keys generated from its ``BINDINGS`` (so
the keys shown are the keys bound). Loading and every change run in one thread worker group per
dialog; the worker posts the rows back, and the highlight stays on the item it was on."""

from __future__ import annotations

from typing import ClassVar

from rich.console import RenderableType
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList, Static

from reflect.core.domain import Client
from reflect.tui.actions import key_display
from reflect.tui.messages import ReportsWorkerErrors


class ListingScreen(ReportsWorkerErrors, ModalScreen[bool]):
    """Dismissed with True when something was changed (the workspace then refreshes counts)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q", "close", "close", id="close_dialog")]
    EMPTY = "Nothing here yet."

    def __init__(self, practice, client: Client, title: str) -> None:
        super().__init__()
        self.practice = practice
        self.client = client
        self.title_text = title
        self.ids: list[int] = []
        self.details: list[RenderableType] = []
        self.changed = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog listing"):
            yield Label(Text(self.title_text), classes="heading")
            yield Static("Loading…", id="listing-header")
            yield OptionList(id="items")
            with VerticalScroll(id="item-details"):
                yield Static("", id="item-detail")
            yield Label(self.hint(), id="listing-keys", classes="hint")

    def hint(self) -> Text:
        keys = [b for b in self.BINDINGS if isinstance(b, Binding)]
        return Text(" · ".join(f"{key_display(b.key.split(',')[0])} {b.description}" for b in keys[1:] + keys[:1]), style="dim")

    def on_mount(self) -> None:
        self.query_one("#items", OptionList).focus()
        self.reload()

    def reload(self) -> None:
        """Start the worker that lists the items (subclasses: ``@work(thread=True, group=...)``)."""
        raise NotImplementedError

    def action_close(self) -> None:
        self.dismiss(self.changed)

    @property
    def selected(self) -> int | None:
        """The id of the highlighted item."""
        index = self.query_one("#items", OptionList).highlighted
        return self.ids[index] if index is not None and 0 <= index < len(self.ids) else None

    def fill(self, rows: list, header: RenderableType = "") -> None:
        """(id, line, details) per item; the highlight stays on the same id when it is still there."""
        keep = self.selected
        options = self.query_one("#items", OptionList)
        options.clear_options()
        self.ids = [row[0] for row in rows]
        self.details = [row[2] for row in rows]
        options.add_options([row[1] for row in rows])  # Text: data, never markup
        self.query_one("#listing-header", Static).update(header if rows or header else Text(self.EMPTY))
        if rows:
            options.highlighted = self.ids.index(keep) if keep in self.ids else 0
            self.query_one("#item-detail", Static).update(self.details[options.highlighted])
        else:
            self.query_one("#item-detail", Static).update("")

    @on(OptionList.OptionHighlighted, "#items")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        if 0 <= event.option_index < len(self.details):
            self.query_one("#item-detail", Static).update(self.details[event.option_index])

    def need_selection(self) -> int | None:
        chosen = self.selected
        if chosen is None:
            self.notify("Nothing is selected", severity="warning")
        return chosen
