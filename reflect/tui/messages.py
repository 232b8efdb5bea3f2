"""Messages the app's thread workers post back to the UI thread (past-tense events)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.console import RenderableType
from textual.message import Message
from textual.worker import Worker, WorkerState


@dataclass
class PrepStreamed(Message):
    """A piece of the model's (redacted) output arrived during prep run ``run``."""

    text: str
    run: int = 0


@dataclass
class PrepFinished(Message):
    """The brief is ready, as Markdown with names restored for the coach's screen."""

    markdown: str
    run: int = 0


@dataclass
class ThemesFound(Message):
    """Themes are ready: the timeline renderable and one (label, details renderable) per theme."""

    timeline: RenderableType
    details: list[tuple[str, RenderableType]]


@dataclass
class CommitmentsCounted(Message):
    """Open commitments per client id, counted in the background after start-up."""

    counts: dict


@dataclass
class WorkFailed(Message):
    """A worker failed with a user-facing message (never note text)."""

    message: str


@dataclass
class SearchFound(Message):
    """Search results: one (note id, heading, passage with names restored, passage as stored) per hit."""

    hits: list


class ReportsWorkerErrors:
    """Mixin for a widget that runs workers: Textual's ``Worker.StateChanged`` does not bubble, so a
    worker that fails unexpectedly is turned into a ``WorkFailed`` that reaches the App. The message
    names the error's type only: the exception text could quote a note."""

    if TYPE_CHECKING:  # provided by the widget or screen this is mixed into (declared for the type checker only)
        def post_message(self, message: Message) -> bool: ...

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            self.post_message(WorkFailed(f"Something went wrong ({type(event.worker.error).__name__}); nothing was stored"))


@dataclass
class CommitmentsListed(Message):
    """A client's commitments, ready to show: one (commitment id, line, details) per commitment, names restored."""

    rows: list
    header: RenderableType = ""


@dataclass
class GoalsListed(Message):
    """A client's goals with their progress: one (goal id, line, details) per goal, names restored, and
    the goal texts as the coach reads them (for editing)."""

    rows: list
    header: RenderableType = ""
