"""Messages the app's thread workers post back to the UI thread (past-tense events)."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message


@dataclass
class PrepStreamed(Message):
    """A piece of the model's (redacted) output arrived."""

    text: str


@dataclass
class PrepFinished(Message):
    """The brief is ready, as Markdown with names restored for the coach's screen."""

    markdown: str


@dataclass
class ThemesFound(Message):
    """Themes are ready: the timeline renderable and one (label, details renderable) per theme."""

    timeline: object
    details: list


@dataclass
class CommitmentsCounted(Message):
    """Open commitments per client id, counted in the background after start-up."""

    counts: dict


@dataclass
class WorkFailed(Message):
    """A worker failed with a user-facing message (never note text)."""

    message: str
