"""Commitments: what a client agreed to do, with a status the coach sets or reflect infers from the
sessions that follow (``reflect.core.commitments`` holds the rules; this service feeds them)."""

from __future__ import annotations

import builtins

from reflect.core.boundary import Outbound
from reflect.core.chunking import chunk, sentences
from reflect.core.commitments import infer_status, locate
from reflect.core.domain import COMMITMENT_STATUSES, Client, Commitment, CommitmentStatus
from reflect.core.errors import InputError, NotFoundError
from reflect.core.redaction.gate import LEARNED, PseudonymMap
from reflect.core.services.context import Context, storable_id
from reflect.core.services.reredaction import Reredactor

HORIZON = 4
"""Sessions after a commitment's own in which its fate is looked for."""


class Commitments:
    def __init__(self, ctx: Context, reredactor: Reredactor | None = None) -> None:
        self._ctx = ctx
        self._reredactor = reredactor

    def list(self, client: Client, horizon: int = HORIZON, *, only: set[int] | None = None) -> builtins.list[Commitment]:
        """Every commitment in a client's notes with its status: the coach's if set, else inferred
        from the sentences of the next ``horizon`` sessions (where a commitment's fate is reported).
        ``only``: just the commitments made in these notes. The inferred statuses are kept in the
        store (when it is writable), so counts need no model later."""
        store = self._ctx.store
        generation = self._ctx.generation(client.id)
        rows = [r for r in store.commitments(client.id) if only is None or r["note_id"] in only]
        if not rows:
            return []
        notes = store.notes(client.id)
        chunks = {n.id: chunk(n.redacted) for n in notes}
        items = [Commitment(r["id"], r["note_id"], r["date"], r["text"], chunk=locate(r["text"], chunks.get(r["note_id"], []))) for r in rows]
        position = {n.id: i for i, n in enumerate(notes)}

        def window(c: Commitment) -> range:
            return range(position[c.note_id] + 1, min(len(notes), position[c.note_id] + 1 + horizon))

        needed = sorted({j for c in items for j in window(c)})
        sentence_rows = [(notes[j].id, notes[j].date.isoformat(), s) for j in needed for s in sentences(notes[j].redacted)]
        vectors = self._ctx.embed(client.id, [c.text for c in items] + [s for _, _, s in sentence_rows])
        vectors_c, vectors_s = vectors[: len(items)], vectors[len(items) :]
        later, later_vectors = [], []
        for c in items:
            ids = {notes[j].id for j in window(c)}
            idx = [k for k, row in enumerate(sentence_rows) if row[0] in ids]
            later.append([sentence_rows[k] for k in idx])
            later_vectors.append(vectors_s[idx] if idx else vectors_s[:0])
        inferred: dict[int, str] = {}
        for c, (status, evidence), row in zip(items, infer_status(vectors_c, later, later_vectors), rows, strict=True):
            c.evidence = evidence
            inferred[c.id] = status
            if row["status"]:
                c.status, c.source = row["status"], "coach"
            else:
                c.status = status
        if not self._ctx.read_only:
            with store.transaction():
                # Kept only if no note of the client was written meanwhile (another thread of the app
                # may have stored a note whose statuses are fresher than these).
                if self._ctx.generation(client.id) == generation:
                    store.set_inferred(client.id, inferred)
        return items

    def around(self, client: Client, note_ids: set[int], horizon: int = HORIZON) -> set[int]:
        """The notes whose commitments these notes may report on: the ``horizon`` sessions before
        each, and itself (read inside the writer's transaction, it sees the notes just written)."""
        order = [note_id for note_id, _day in self._ctx.store.note_dates(client.id)]  # no note opened
        position = {note_id: i for i, note_id in enumerate(order)}
        return {order[j] for q in (position[i] for i in note_ids if i in position) for j in range(max(0, q - horizon), q + 1)}

    def infer(self, client: Client, around: set[int], horizon: int = HORIZON) -> None:
        """Infer again the commitments made in ``around`` (see ``around``). Their kept statuses were
        cleared in the transaction that wrote the notes, so a crash before this leaves them unknown
        (inferred at the next count), never wrong."""
        if around:
            self.list(client, horizon, only=around)

    def open_count(self, client: Client) -> int:
        """How many of the client's commitments are open: from the statuses kept when the notes were
        written (no model call), inferring only what is not known yet."""
        known = self._ctx.store.open_commitment_count(client.id)
        if known is not None:
            return known
        return sum(c.status == "open" for c in self.list(client))

    def open(self, client: Client) -> builtins.list[Commitment]:
        return [c for c in self.list(client) if c.status == "open"]


    def add(self, client: Client, note_id: int, text: str) -> Commitment:
        """A commitment the coach writes down for a session (one the notes do not say in so many words).
        The text is redacted with the client's map like a note (fail closed); it is kept with the
        coach's status "open", so re-deriving the note's commitments never removes it."""
        note = self._ctx.note(client, note_id)  # a wrong id stores nothing, not even a name learned from the text
        redacted, pmap = self._redact(client, text)
        store = self._ctx.store
        with store.transaction():
            learned = self._save_map(client, pmap)  # with the commitment: learned only if it is stored
            new_id = store.add_commitment(client.id, note.id, redacted, "open")
            self._ctx.notes_changed(client.id)
        self._learned(client, learned)
        return Commitment(new_id, note.id, note.date.isoformat(), redacted, "open", "coach")

    def edit(self, client: Client, commitment_id: int, text: str) -> None:
        """The coach's own wording of a commitment (redacted like a note)."""
        store = self._ctx.store
        if not storable_id(commitment_id) or all(row["id"] != commitment_id for row in store.commitments(client.id)):
            raise NotFoundError(f"{client.name} has no commitment {commitment_id}; 'reflect commitment list' shows them")
        redacted, pmap = self._redact(client, text)
        with store.transaction():
            learned = self._save_map(client, pmap)
            store.set_commitment_text(client.id, commitment_id, redacted, "open")
            self._ctx.notes_changed(client.id)
        self._learned(client, learned)

    def _redact(self, client: Client, text: str) -> tuple[str, PseudonymMap]:
        text = " ".join(text.split())
        if len(text) < 3:
            raise InputError("the commitment is empty: write what the client agreed to do")
        if len(text) > 500:
            raise InputError("a commitment is one sentence or two (at most 500 characters)")
        pmap = self._ctx.map(client)
        redaction = self._ctx.components.gate.redact(text, pmap)
        # The last check, as at every hand-off, with the map as it now is (what it just learned included).
        return Outbound(pmap, client.id).text(redaction.redacted), pmap

    def _save_map(self, client: Client, pmap: PseudonymMap) -> bool:
        """Inside the write's transaction: the names the gate learned join the map, and the client is
        marked for re-redaction (the flag a crash also leaves). True when a name was learned. Decided
        before saving: saving the map clears what it learned."""
        learned = any(row.origin == LEARNED for row in [*pmap.new_rows, *(new for _old, new in pmap.changed_rows)])
        if pmap.dirty:
            self._ctx.store.save_map(client.id, pmap)
        if learned:
            self._ctx.store.mark_reredact(client.id)
        return learned

    def _learned(self, client: Client, learned: bool) -> None:
        """A name learned from the coach's text is redacted from the stored notes at once, as when a
        note teaches one (else at the next first use of the client's index)."""
        if learned and self._reredactor is not None:
            self._reredactor.reredact(client)

    def set_status(self, client: Client, commitment_id: int, status: CommitmentStatus | None) -> None:
        """The coach's word on a commitment: open, done, dropped, or None to go back to inferring."""
        if status is not None and status not in COMMITMENT_STATUSES:
            raise InputError(f"unknown status {status!r}: use open, done or dropped")
        store = self._ctx.store
        with store.transaction():
            if not storable_id(commitment_id) or not store.set_commitment_status(client.id, commitment_id, status):
                raise NotFoundError(f"{client.name} has no commitment {commitment_id}; 'reflect commitment list' shows them")
