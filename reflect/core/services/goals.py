"""The engagement's goals: why the client came, in the coach's words, and how the sessions move them.

A goal's text goes through the redaction gate with the client's map exactly like a commitment the coach
writes (``Commitments.add``): only the redacted text is stored (sealed), a name the gate learns from it
joins the map in the same transaction as the goal (so bad input stores neither) and is then redacted
from the stored notes (``Reredactor``, as a note that teaches a name), and a wrong goal id is refused
before anything is redacted. Re-redaction and ``reindex`` scrub stored goals with the current
map (``Reredactor``); ``forget`` erases them with the client; backups carry them with the store.

``progress`` ties each goal to the sessions whose passages are close to it and to the commitments that
serve it (``reflect.core.progress``, pure over vectors; the goal texts reach the embedder only through
``Context.embed``). ``for_insight`` and ``vectors`` are what themes and questions use to tie back to the
goals. Logs carry ids and counts only.
"""

from __future__ import annotations

import builtins
import logging
from typing import TYPE_CHECKING

from reflect.core.boundary import Outbound
from reflect.core.domain import GOAL_STATUSES, Client, Goal, GoalStatus, Progress
from reflect.core.errors import InputError, NotFoundError
from reflect.core.redaction.gate import LEARNED, PseudonymMap
from reflect.core.services.commitments import Commitments
from reflect.core.services.context import Context, storable_id
from reflect.core.services.reredaction import Reredactor

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)

MIN_CHARS = 3
MAX_CHARS = 500


class Goals:
    def __init__(self, ctx: Context, commitments: Commitments, reredactor: Reredactor) -> None:
        self._ctx = ctx
        self._commitments = commitments
        self._reredactor = reredactor

    # reading --------------------------------------------------------------------------------------
    def list(self, client: Client, status: GoalStatus | None = None) -> builtins.list[Goal]:
        """The client's goals in the coach's order (redacted text), optionally of one status only."""
        if status is not None and status not in GOAL_STATUSES:
            raise InputError(f"unknown goal status {status!r}: use open, achieved or dropped")
        return [g for g in self._ctx.store.goals(client.id) if status is None or g.status == status]

    def for_insight(self, client: Client) -> builtins.list[Goal]:
        """The goals themes and questions should tie back to: the open ones, in the coach's order
        (redacted text; embed them with ``vectors``)."""
        return self.list(client, "open")

    def vectors(self, client: Client, goals: builtins.list[Goal]) -> np.ndarray:
        """The goals' embeddings, row for row, through the one door to the embedder (checked against
        the client's current map on the way)."""
        return self._ctx.embed(client.id, [g.text for g in goals])

    def get(self, client: Client, goal_id: int) -> Goal:
        for g in self._ctx.store.goals(client.id) if storable_id(goal_id) else []:
            if g.id == goal_id:
                return g
        raise self._missing(client, goal_id)

    # writing --------------------------------------------------------------------------------------
    def add(self, client: Client, text: str) -> Goal:
        """Write down a goal of the engagement: redacted with the client's map (fail closed), stored
        sealed, open. A name the gate learns joins the map in the same transaction."""
        self._ctx.writable()
        redacted, pmap = self._redact(client, text)
        store = self._ctx.store
        with store.transaction():
            learned = self._save_map(client, pmap)
            goal = store.add_goal(client.id, redacted)
        log.info("client %s: goal %d added", client.id, goal.id)
        if learned:
            self._reredactor.reredact(client)
        return goal

    def edit(self, client: Client, goal_id: int, text: str) -> Goal:
        """The coach's new wording of a goal (redacted like a new one); its status is kept."""
        self._ctx.writable()
        goal = self.get(client, goal_id)  # a wrong id stores nothing, not even a name learned from the text
        redacted, pmap = self._redact(client, text)
        store = self._ctx.store
        with store.transaction():
            learned = self._save_map(client, pmap)
            store.set_goal_text(client.id, goal.id, redacted)
        log.info("client %s: goal %d reworded", client.id, goal.id)
        if learned:
            self._reredactor.reredact(client)
        return Goal(goal.id, goal.client_id, redacted, goal.status, goal.created, goal.position)

    def set_status(self, client: Client, goal_id: int, status: GoalStatus) -> None:
        """Open, achieved or dropped: the coach's word on a goal."""
        self._ctx.writable()
        if status not in GOAL_STATUSES:
            raise InputError(f"unknown goal status {status!r}: use open, achieved or dropped")
        store = self._ctx.store
        with store.transaction():
            if not storable_id(goal_id) or not store.set_goal_status(client.id, goal_id, status):
                raise self._missing(client, goal_id)
        log.info("client %s: goal %d %s", client.id, goal_id, status)

    def delete(self, client: Client, goal_id: int) -> None:
        """Erase a goal (its sealed text goes with the row; ``secure_delete`` zeroes the page)."""
        self._ctx.writable()
        store = self._ctx.store
        with store.transaction():
            if not storable_id(goal_id) or not store.delete_goal(client.id, goal_id):
                raise self._missing(client, goal_id)
        log.info("client %s: goal %d deleted", client.id, goal_id)

    # progress -------------------------------------------------------------------------------------
    def progress(self, client: Client) -> Progress:
        """Every goal with the sessions close to it, the latest such passage and the commitments that
        serve it (``reflect.core.progress``). Needs the client's index (a writer's command)."""
        import numpy as np

        from reflect.core.progress import goal_progress

        ctx = self._ctx
        goals = self.list(client)
        if not goals:
            return Progress(client, [], len(ctx.store.note_dates(client.id)))
        # The index first: opening it finishes a re-redaction a crash (or a name just learned from a
        # goal) left pending, so the notes read next are the ones its positions point into.
        index = ctx.index(client) if ctx.store.note_dates(client.id) else None
        goals = self.list(client)  # scrubbed by that re-redaction, if one ran
        notes = ctx.store.notes(client.id)
        order = {n.id: i for i, n in enumerate(notes)}
        found, vectors = index.all() if index is not None else ([], np.zeros((0, 0), np.float32))
        passages = ctx.with_text(client, found, notes)
        rows = [i for i, p in enumerate(passages) if p is not None]
        kept = [p for p in passages if p is not None]
        commitments = self._commitments.list(client) if notes else []
        texts = [g.text for g in goals] + [c.text for c in commitments]
        embedded = ctx.embed(client.id, texts)
        goal_vectors, commitment_vectors = embedded[: len(goals)], embedded[len(goals):]
        passage_vectors = vectors[rows] if rows else np.zeros((0, goal_vectors.shape[1]), np.float32)
        found_progress = goal_progress(goals, goal_vectors, kept, passage_vectors, commitments, commitment_vectors, order)
        log.info("client %s: progress on %d goal(s) over %d passage(s)", client.id, len(goals), len(kept))
        return Progress(client, found_progress, len(notes))

    # the gate ---------------------------------------------------------------------------------------
    def _redact(self, client: Client, text: str) -> tuple[str, PseudonymMap]:
        text = " ".join(text.split())
        if len(text) < MIN_CHARS:
            raise InputError("the goal is empty: write why the client came, in a sentence")
        if len(text) > MAX_CHARS:
            raise InputError(f"a goal is a sentence or two (at most {MAX_CHARS} characters)")
        pmap = self._ctx.map(client)
        redaction = self._ctx.components.gate.redact(text, pmap)
        # The last check, as at every hand-off: no name the client's map (with what it just learned) knows survives.
        return Outbound(pmap, client.id).text(redaction.redacted), pmap

    def _save_map(self, client: Client, pmap: PseudonymMap) -> bool:
        """Inside the goal's transaction: the names the gate learned from its text join the map, and
        the client is marked for re-redaction (done right after the write; a crash in between leaves
        it to the next use of the index). True when a name was learned."""
        # Decided before saving: saving the map clears what it learned.
        learned = any(row.origin == LEARNED for row in [*pmap.new_rows, *(new for _old, new in pmap.changed_rows)])
        if pmap.dirty:
            self._ctx.store.save_map(client.id, pmap)
        if learned:
            self._ctx.store.mark_reredact(client.id)
        return learned

    @staticmethod
    def _missing(client: Client, goal_id: int) -> NotFoundError:
        return NotFoundError(f"{client.name} has no goal {goal_id}; 'reflect goal list' shows the goals")
