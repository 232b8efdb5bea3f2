"""The client's commitments (key c): each with its session, status and who set it (inferred from the
later notes, or the coach), the evidence for the highlighted one; keys mark it done, drop it, open it
again or hand it back to inference, and add or reword one (redacted by the core before it is stored).
Statuses are inferred with the embedder, so listing and every change run in a thread worker."""

from __future__ import annotations

from typing import ClassVar

from rich.console import Group
from rich.text import Text
from textual import work
from textual.binding import Binding, BindingType

from reflect.core.domain import Client, CommitmentStatus
from reflect.core.errors import ReflectError
from reflect.tui.messages import CommitmentsListed, WorkFailed
from reflect.tui.screens.listing import ListingScreen

STATUS_MARK = {"open": "○ open", "done": "✓ done", "dropped": "✗ dropped"}


class CommitmentsScreen(ListingScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        *ListingScreen.BINDINGS,
        Binding("d", "mark('done')", "done", id="commitment_done"),
        Binding("x", "mark('dropped')", "drop", id="commitment_drop"),
        Binding("o", "mark('open')", "open again", id="commitment_open"),
        Binding("i", "mark('')", "infer", id="commitment_infer"),
        Binding("a", "add", "add", id="commitment_add"),
        Binding("e", "edit", "edit", id="commitment_edit"),
    ]
    EMPTY = "No commitments in the notes yet: press a to write one down for a session."

    def __init__(self, practice, client: Client) -> None:
        super().__init__(practice, client, f"Commitments of {client.name}")
        self.texts: dict[int, str] = {}

    def reload(self) -> None:
        self._run()

    @work(thread=True, exclusive=True, group="commitments", exit_on_error=False)
    def _run(self, change=None, said: str = "") -> None:
        """Apply ``change`` (a call into the core) if given, then list the commitments again."""
        practice, client = self.practice, self.client
        try:
            if change is not None:
                change()
                self.changed = True
            items = practice.commitments.list(client)
            reid = practice.roster.reidentifier(client)
        except ReflectError as exc:
            self.post_message(WorkFailed(str(exc)))
            return
        self.texts = {c.id: reid(c.text) for c in items}
        rows = []
        for c in items:
            who = "you" if c.source == "coach" else "inferred"
            line = Text.assemble((f"{STATUS_MARK[c.status]:<9}", "bold"), f" {c.date} · ", self.texts[c.id], (f"  ({who})", "dim"))
            lines = [Text(f"Commitment {c.id}, agreed in note {c.note_id} ({c.date}); {c.status}, {'set by you' if who == 'you' else 'inferred from the later notes'}", style="dim")]
            lines += [Text(f"  “{reid(t)}” — note {n}, {d}") for n, d, t in c.evidence[:3]]
            rows.append((c.id, line, Group(*lines)))
        open_count = sum(c.status == "open" for c in items)
        self.post_message(CommitmentsListed(rows, Text(f"{len(items)} commitment(s), {open_count} open") if items else ""))
        if said:
            self.app.call_from_thread(self.notify, said, markup=False)

    def on_commitments_listed(self, message: CommitmentsListed) -> None:
        message.stop()
        self.fill(message.rows, message.header)

    def action_mark(self, status: str) -> None:
        if (chosen := self.need_selection()) is None:
            return
        value: CommitmentStatus | None = status or None  # type: ignore[assignment]  # "" hands it back to inference
        self._run(lambda: self.practice.commitments.set_status(self.client, chosen, value),
                  f"Commitment {chosen}: {status or 'inferred from the notes again'}")

    def action_add(self) -> None:
        from reflect.tui.screens.text_entry import TextEntryScreen

        notes = self.practice.notes.list(self.client)
        if not notes:
            self.notify("A commitment belongs to a session: write a note first", severity="warning")
            return
        sessions = [(f"#{i} · {n.date.isoformat()}", n.id) for i, n in enumerate(notes, 1)]

        def written(result) -> None:
            if result is not None:
                note_id, text = result
                self._run(lambda: self.practice.commitments.add(self.client, note_id, text), "Commitment added")

        self.app.push_screen(TextEntryScreen(f"New commitment for {self.client.name}", "What the client agreed to do", sessions=sessions), written)

    def action_edit(self) -> None:
        from reflect.tui.screens.text_entry import TextEntryScreen

        if (chosen := self.need_selection()) is None:
            return

        def written(result) -> None:
            if result is not None:
                self._run(lambda: self.practice.commitments.edit(self.client, chosen, result[1]), f"Commitment {chosen} reworded")

        self.app.push_screen(TextEntryScreen(f"Reword commitment {chosen}", "The commitment in your words", self.texts.get(chosen, "")), written)
