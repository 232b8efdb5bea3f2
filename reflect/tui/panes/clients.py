"""The client list: name, note count, last session and open commitments (counted in a thread worker).

Posts ``ClientsPane.Chosen`` when the highlighted client changes and ``ClientsPane.Opened`` on Enter."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Label, ListItem, ListView
from textual.worker import get_current_worker

from reflect.core.domain import Client
from reflect.tui.context import practice_of
from reflect.tui.messages import CommitmentsCounted, ReportsWorkerErrors


class ClientItem(ListItem):
    def __init__(self, client: Client, notes: int, last: str):
        self.client = client
        self.notes = notes
        self.last = last
        self.open_count: int | None = None
        self.label = Label(self._text(), classes="client-label")
        super().__init__(self.label)

    def _text(self) -> Text:
        counts = f"{self.notes} notes" + (f" · {self.open_count} open" if self.open_count is not None else "")
        return Text.assemble(self.client.name, "\n", (counts, "dim"), "\n", (f"last {self.last}", "dim"))  # names are data

    def show_open_commitments(self, count: int) -> None:
        self.open_count = count
        self.label.update(self._text())


class ClientsPane(ReportsWorkerErrors, Vertical):
    @dataclass
    class Chosen(Message):
        """The highlighted client changed (None when the practice has no client left)."""

        client: Client | None

    @dataclass
    class Opened(Message):
        """Enter on a client."""

        client: Client

    def compose(self) -> ComposeResult:
        yield Label("Clients", classes="heading")
        yield ListView(id="clients")

    @property
    def view(self) -> ListView:
        return self.query_one("#clients", ListView)

    async def reload(self, select: str | None = None) -> Client | None:
        """Rebuild the list and leave exactly one client selected — ``select``, else the one selected
        before — and return it. Old items are removed before new ones are added (a clear that had not
        finished left two clients looking selected)."""
        view = self.view
        current = self.highlighted()
        keep = select or (current.id if current else None)
        await view.clear()
        items = [ClientItem(row.client, row.notes, str(row.last_session or "-")) for row in practice_of(self).roster.clients()]
        await view.extend(items)
        target = next((i for i, item in enumerate(items) if item.client.id == keep), 0 if items else None)
        view.index = target
        if items:
            self._count_commitments([item.client for item in items])
        return items[target].client if target is not None else None

    def highlighted(self) -> Client | None:
        item = self.view.highlighted_child
        return item.client if isinstance(item, ClientItem) else None

    @on(ListView.Highlighted, "#clients")
    def _highlighted(self, event: ListView.Highlighted) -> None:
        event.stop()
        if isinstance(event.item, ClientItem):
            self.post_message(self.Chosen(event.item.client))

    @on(ListView.Selected, "#clients")
    def _selected(self, event: ListView.Selected) -> None:
        event.stop()
        if isinstance(event.item, ClientItem):
            self.post_message(self.Opened(event.item.client))

    @work(thread=True, exclusive=True, group="commitments", exit_on_error=False)
    def _count_commitments(self, clients: list[Client]) -> None:
        counts = {}
        for client in clients:
            if get_current_worker().is_cancelled:
                return
            counts[client.id] = practice_of(self).commitments.open_count(client)
        self.post_message(CommitmentsCounted(counts))

    @on(CommitmentsCounted)
    def _counted(self, message: CommitmentsCounted) -> None:
        message.stop()
        for item in self.view.children:
            if isinstance(item, ClientItem) and item.client.id in message.counts:
                item.show_open_commitments(message.counts[item.client.id])
