"""What the services hand back to the front ends: plain data, redacted text only (the front ends
re-identify for display through ``Reidentifier``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from reflect.core.domain import Client, Note, Question

if TYPE_CHECKING:
    from reflect.core.llm import Generation

MapOrigin = Literal["roster", "learned", "seen", "not a name"]
"""Where a map entry came from: the coach's roster, a name learned from the notes on evidence, a
name seen once (redacted, not yet learned), or a form the coach said is not a name."""


@dataclass
class ClientSummary:
    client: Client
    notes: int
    last_session: str | None
    people: int


@dataclass
class RosterEntry:
    """One entry of a client's map, grouped by placeholder: what is redacted, as what, and why."""

    placeholder: str | None
    """None for a form the coach said is not a name."""
    type: str | None
    origin: MapOrigin
    forms: list[str] = field(default_factory=list)
    role: str | None = None


@dataclass
class QuestionSet:
    questions: list[Question]
    status: str
    """What happened to the model's output, in words a coach can read."""
    rejected: list[tuple[str, str]] = field(default_factory=list)
    generation: Generation | None = None
    opening: Question | None = None
    """A question to open the session with, none of ``questions``."""


@dataclass
class Followup:
    note: Note
    questions: list[Question]
    recap: str
    """Redacted recap draft; re-identify for display."""
    status: str
    themes: list[str] = field(default_factory=list)
    """The recurring themes this session touched."""


@dataclass
class Reredaction:
    """What re-redacting a client's stored notes did (after a roster change, a learned name, reindex)."""

    notes_checked: int = 0
    notes_changed: int = 0
    names_caught: int = 0
    """Identifiers newly replaced by a placeholder across the changed notes."""
    passages_reembedded: int = 0
    seconds: float = 0.0

    def describe(self) -> str:
        if not self.notes_changed:
            return f"checked {self.notes_checked} note(s): all already redacted with the current roster"
        return (f"re-redacted {self.notes_changed} note(s); {self.names_caught} name(s) newly caught; "
                f"{self.passages_reembedded} passage(s) re-embedded and the old vectors removed")


@dataclass
class DoctorCheck:
    name: str
    ok: bool | None
    """True passed, False failed (``reflect doctor`` exits 1), None is a warning."""
    detail: str


@dataclass
class PromptRecord:
    """A prompt the model received, as recorded before it was sent (redacted)."""

    at: str
    client: str | None
    """The client's short id (prompts carry no name)."""
    purpose: str
    prompt: str
    names_redacted_since: int = 0
    """Names in it that were put on the roster (or learned) after it was sent; 0 when in step."""
