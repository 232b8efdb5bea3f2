"""The coach's world as plain data: clients, the roster around them, notes, passages, themes,
questions, the prep brief, and the engagement's goals with their progress. No I/O here and no heavy imports.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

PLACEHOLDER_RE = re.compile(r"\[(?:CLIENT|[A-Z]+_\d+)\]")
"""A placeholder the redaction gate puts where a name was: ``[CLIENT]``, ``[PERSON_1]``, ``[ORG_2]``…"""

CommitmentStatus = Literal["open", "done", "dropped"]
"""Where a commitment stands: still to do, reported done, or given up."""
StatusSource = Literal["inferred", "coach"]
"""Who decided a commitment's status: inferred from later notes, or set by the coach."""
Trend = Literal["new", "rising", "steady", "fading", "resolved"]
"""How a theme moves across the client's recent sessions."""
QuestionSource = Literal["commitment", "theme", "goal", "model", "bank"]
"""Where a question came from: an open commitment or a recurring theme of the client (asked in the
notes' own words), an engagement goal, the language model (validated), or the question bank."""
COMMITMENT_STATUSES: tuple[CommitmentStatus, ...] = ("open", "done", "dropped")
GoalStatus = Literal["open", "achieved", "dropped"]
"""Where a goal of the engagement stands: still being worked on, reached, or let go."""
GOAL_STATUSES: tuple[GoalStatus, ...] = ("open", "achieved", "dropped")


@dataclass(frozen=True)
class Client:
    """A person being coached."""

    id: str
    """Opaque short id (hex). Used for index directories and in logs; never derived from the name."""
    name: str
    """The name as the coach typed it. Shown only on the coach's screen."""
    aliases: tuple[str, ...] = ()
    created: str = ""


@dataclass(frozen=True)
class Person:
    """Someone around a client (family, colleague, boss, employer) on that client's roster."""

    id: int
    client_id: str
    name: str
    aliases: tuple[str, ...] = ()
    role: str | None = None
    kind: str = "PERSON"
    """Entity type the placeholder carries: PERSON, or ORG for an employer or organisation."""


@dataclass(frozen=True)
class Entity:
    """One identifier found in a text and the placeholder that replaces it."""

    type: str
    start: int
    end: int
    placeholder: str
    text: str = field(repr=False, default="")
    """The original surface form. Never logged, never sent anywhere; kept only for preview and maps."""


@dataclass(frozen=True)
class Redaction:
    """The output of the redaction gate: the only text allowed past it."""

    redacted: str
    entities: tuple[Entity, ...]


@dataclass(frozen=True)
class Note:
    id: int
    client_id: str
    date: date
    original: str
    redacted: str

    @property
    def chars(self) -> int:
        return len(self.original)


@dataclass(frozen=True)
class Passage:
    """A redacted chunk of one note, as indexed and retrieved."""

    note_id: int
    date: str
    text: str
    """Redacted text."""
    chunk: int = 0
    score: float = 0.0
    digest: str = ""
    """A keyed digest of ``text`` (the client's key): what the index keeps to show which text its
    vector was computed from, so a stale vector is found without keeping the text."""


@dataclass(frozen=True)
class Evidence:
    """A quote from a client's notes and where it is: the note and the passage (chunk) within it."""

    note_id: int
    date: str
    text: str
    """Redacted quote (may be shortened with "…"); the position, not the text, finds the passage again."""
    chunk: int = 0


@dataclass
class Commitment:
    """Something a client agreed to do, found in a note, and whether it happened."""

    id: int
    note_id: int
    date: str
    text: str
    """Redacted sentence or list item."""
    status: CommitmentStatus = "open"
    source: StatusSource = "inferred"
    """"inferred" from later notes, or "coach" when set with ``reflect commitment done|drop|open``."""
    evidence: list[tuple[int, str, str]] = field(default_factory=list)
    """(note id, date, redacted sentence) from later notes that the status rests on."""
    chunk: int = 0
    """The passage of its note that holds it."""


@dataclass
class Theme:
    """A theme that recurs across a client's sessions."""

    label: str
    description: str
    sessions: list[Evidence]
    """Sessions (note id and date) where the theme appears, oldest first."""
    strengths: list[float]
    """Strength per session in ``sessions`` (best passage similarity, 0..1)."""
    evidence: list[Evidence]
    """Two or three short redacted quotes."""
    trend: Trend
    keyphrases: list[str] = field(default_factory=list)
    """For an emergent theme (not from the taxonomy): the words that characterise it."""
    goal: str = ""
    """The engagement goal this theme bears on (redacted), when one is close enough; "" when none."""


@dataclass
class Question:
    text: str
    """Redacted text (placeholders); re-identified only for display."""
    source: QuestionSource
    evidence: list[Evidence]
    why: str = ""
    """One line for the coach: why this question, from what (redacted)."""


@dataclass
class PrepBrief:
    """The one-screen brief before a session. Text fields are redacted; front ends re-identify."""

    client: Client
    last_note: Note | None
    summary: list[str]
    """Extractive summary of the latest note: redacted sentences."""
    themes: list[Theme]
    questions: list[Question]
    model_status: str
    """What happened to the model's output: "accepted", "partly replaced by the question bank: ...", ..."""
    commitments: list[Commitment] = field(default_factory=list)
    """Open commitments and those whose fate the latest note reports."""
    opening: Question | None = None
    """A question to open the session with (none of ``questions``)."""


@dataclass(frozen=True)
class Goal:
    """Why the client came: one goal of the engagement, in the coach's words, redacted."""

    id: int
    client_id: str
    text: str
    """Redacted (placeholders); re-identified only for display. The coach's original is never stored."""
    status: GoalStatus = "open"
    created: str = ""
    """The day the coach wrote it down (YYYY-MM-DD)."""
    position: int | None = None
    """The coach's order (lower first); None keeps the order they were written in."""


@dataclass
class GoalProgress:
    """How one goal shows up in the sessions: where it is talked about, the latest passage that does,
    and the commitments that serve it."""

    goal: Goal
    sessions: list[Evidence] = field(default_factory=list)
    """Sessions (note id and date, no text) with a passage close to the goal, oldest first."""
    strengths: list[float] = field(default_factory=list)
    """Per session in ``sessions``: the best passage's similarity to the goal (0..1)."""
    evidence: Evidence | None = None
    """The closest passage of the latest such session (redacted quote, note id, chunk), or None."""
    commitments: list[Commitment] = field(default_factory=list)
    """The client's commitments close to the goal, in session order."""

    @property
    def done(self) -> int:
        return sum(c.status == "done" for c in self.commitments)

    @property
    def open(self) -> int:
        return sum(c.status == "open" for c in self.commitments)

    @property
    def dropped(self) -> int:
        return sum(c.status == "dropped" for c in self.commitments)


@dataclass
class Progress:
    """The engagement at a glance: each goal with its progress. Text fields are redacted."""

    client: Client
    goals: list[GoalProgress]
    sessions: int
    """How many sessions the client has had (so "3 of 8 sessions" can be said)."""
