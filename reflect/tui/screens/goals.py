"""The engagement's goals (key g): why the client came, each with its status and, for the highlighted
one, its progress: the sessions that talk about it, the latest such passage and the commitments that
serve it. Keys add or reword a goal (redacted by the core before it is stored), mark it achieved, drop
it, open it again, or delete it (asks first). Progress needs the embedder and the index, so listing and
every change run in a thread worker."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import work
from textual.binding import Binding, BindingType

from reflect.core.domain import Client, GoalStatus
from reflect.core.errors import ReflectError
from reflect.tui.messages import GoalsListed, WorkFailed
from reflect.tui.screens.listing import ListingScreen


class GoalsScreen(ListingScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        *ListingScreen.BINDINGS,
        Binding("a", "add", "add", id="goal_add"),
        Binding("e", "edit", "edit", id="goal_edit"),
        Binding("d", "mark('achieved')", "achieved", id="goal_achieved"),
        Binding("x", "mark('dropped')", "drop", id="goal_drop"),
        Binding("o", "mark('open')", "open again", id="goal_open"),
        Binding("delete", "delete", "delete", id="goal_delete"),
    ]
    EMPTY = "No goals yet: why did the client come? Press a to write one down."

    def __init__(self, practice, client: Client) -> None:
        super().__init__(practice, client, f"Goals of {client.name}: why they came, and how the sessions move them")
        self.texts: dict[int, str] = {}

    def reload(self) -> None:
        self._run()

    @work(thread=True, exclusive=True, group="goals", exit_on_error=False)
    def _run(self, change=None, said: str = "") -> None:
        """Apply ``change`` (a call into the core) if given, then list the goals with their progress."""
        from reflect.render import GOAL_MARK, goal_details

        practice, client = self.practice, self.client
        try:
            if change is not None:
                change()
                self.changed = True
            progress = practice.goals.progress(client)
            reid = practice.roster.reidentifier(client)
        except ReflectError as exc:
            self.post_message(WorkFailed(str(exc)))
            return
        texts = {gp.goal.id: reid(gp.goal.text) for gp in progress.goals}
        rows = []
        for gp in progress.goals:
            g = gp.goal
            seen = f"{len(gp.sessions)}/{progress.sessions} sessions"
            line = Text.assemble((f"{GOAL_MARK[g.status]:<10}", "bold"), " ", texts[g.id], (f"  ({seen})", "dim"))
            rows.append((g.id, line, goal_details(gp, progress.sessions, reid)))
        opened = sum(gp.goal.status == "open" for gp in progress.goals)
        header = Text(f"{len(rows)} goal(s), {opened} open, over {progress.sessions} session(s)") if rows else ""
        self.texts = texts
        self.post_message(GoalsListed(rows, header))
        if said:
            self.app.call_from_thread(self.notify, said, markup=False)

    def on_goals_listed(self, message: GoalsListed) -> None:
        message.stop()
        self.fill(message.rows, message.header)

    def action_mark(self, status: GoalStatus) -> None:
        if (chosen := self.need_selection()) is None:
            return
        self._run(lambda: self.practice.goals.set_status(self.client, chosen, status), f"Goal {chosen}: {status}")

    def action_add(self) -> None:
        from reflect.tui.screens.text_entry import TextEntryScreen

        def written(result) -> None:
            if result is not None:
                self._run(lambda: self.practice.goals.add(self.client, result[1]), "Goal added")

        self.app.push_screen(TextEntryScreen(f"New goal for {self.client.name}", "Why the client came, in a sentence"), written)

    def action_edit(self) -> None:
        from reflect.tui.screens.text_entry import TextEntryScreen

        if (chosen := self.need_selection()) is None:
            return

        def written(result) -> None:
            if result is not None:
                self._run(lambda: self.practice.goals.edit(self.client, chosen, result[1]), f"Goal {chosen} reworded")

        self.app.push_screen(TextEntryScreen(f"Reword goal {chosen}", "The goal in your words", self.texts.get(chosen, "")), written)

    def action_delete(self) -> None:
        from reflect.tui.screens.confirm import ConfirmScreen

        if (chosen := self.need_selection()) is None:
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self._run(lambda: self.practice.goals.delete(self.client, chosen), f"Goal {chosen} deleted")

        self.app.push_screen(ConfirmScreen(f"Delete goal {chosen}? This cannot be undone (x drops it and keeps it).", "Delete", "Keep it"), confirmed)
