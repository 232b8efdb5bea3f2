"""Session notes: adding (all or nothing, fail closed), correcting, erasing, and the redaction
preview. Only the gate's output reaches the embedder and the index; the store keeps the original
sealed beside the redacted text.
"""

from __future__ import annotations

import builtins
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date

from reflect.core.boundary import Outbound
from reflect.core.chunking import chunk
from reflect.core.commitments import extract as extract_commitments
from reflect.core.domain import Client, Note, Redaction
from reflect.core.errors import InputError
from reflect.core.faults import fault_point
from reflect.core.noteinput import NoteInput
from reflect.core.redaction.gate import LEARNED, PseudonymMap
from reflect.core.services.commitments import Commitments
from reflect.core.services.context import Context, positions
from reflect.core.services.reredaction import Reredactor

log = logging.getLogger(__name__)


class Notes:
    def __init__(self, ctx: Context, reredactor: Reredactor, commitments: Commitments) -> None:
        self._ctx = ctx
        self._reredactor = reredactor
        self._commitments = commitments

    def list(self, client: Client) -> builtins.list[Note]:
        """A client's notes in session-date order."""
        return self._ctx.store.notes(client.id)

    def get(self, client: Client, note_id: int) -> Note:
        return self._ctx.note(client, note_id)

    def count(self, client: Client) -> int:
        return self._ctx.store.note_count(client.id)

    def preview(self, text: str, client: Client | None = None) -> Redaction:
        """Redact without storing anything (the client's map is used but not changed)."""
        pmap = self._ctx.map(client).copy() if client else PseudonymMap()
        return self._ctx.components.gate.redact(text, pmap)

    def _check(self, text: str, source: str) -> None:
        if not text.strip():
            raise InputError(f"{source} is empty: nothing to add")
        if len(text) > self._ctx.settings.max_note_chars:
            raise InputError(f"{source} is longer than the limit of {self._ctx.settings.max_note_chars:,} characters")

    def add(self, client: Client, inputs: builtins.list[NoteInput], progress: Callable[[int, int], None] | None = None) -> builtins.list[Note]:
        """Redact, store and index notes: all of them or none.

        Every note is redacted before anything is stored (fail closed); the store transaction commits
        only after the index has accepted every passage.
        """
        import numpy as np

        ctx, store = self._ctx, self._ctx.store
        if not inputs:
            raise InputError("no notes to add")
        started = time.perf_counter()
        for item in inputs:
            self._check(item.text, item.source)
        pmap = ctx.map(client)
        gate, embedder = ctx.components.gate, ctx.components.embedder
        outbound = Outbound(pmap, client.id)  # the live map: what this batch learns applies at once
        redactions: builtins.list[Redaction] = []
        pending = []
        # Redact note i+1 while note i's passages are embedded (onnxruntime releases the GIL). Only
        # redacted text is submitted; if any note fails redaction, nothing below runs.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="reflect-embed") as pool:
            for item in inputs:
                redaction = gate.redact(item.text, pmap)
                redactions.append(redaction)
                pending.append(pool.submit(embedder.embed, outbound.texts(chunk(redaction.redacted))))
            note_vectors = [f.result() for f in pending]
        learned = any(row.origin == LEARNED for row in pmap.new_rows)
        t_redact = time.perf_counter()
        index = ctx.index(client)
        stored: builtins.list[Note] = []
        added_ids: builtins.list[int] = []
        t_embed = t_redact
        try:
            with store.transaction():
                store.save_map(client.id, pmap)
                if learned:
                    store.mark_reredact(client.id)
                for item, redaction in zip(inputs, redactions, strict=True):
                    note_id = store.add_note(client.id, item.date, item.text, redaction.redacted)
                    stored.append(Note(note_id, client.id, item.date, item.text, redaction.redacted))
                    store.add_commitments(client.id, note_id, extract_commitments(redaction.redacted))
                around = self._commitments.around(client, {n.id for n in stored})
                store.clear_inferred(client.id, around)
                ctx.notes_changed(client.id)
                fault_point("import:in-transaction")
                passages = [p for note in stored for p in ctx.passages(note)]
                vectors = np.concatenate(note_vectors) if passages else np.zeros((0, embedder.dimensions), np.float32)
                t_embed = time.perf_counter()
                added_ids = [n.id for n in stored]
                index.add(positions(passages), vectors)
                fault_point("import:indexed")
        except BaseException:
            if added_ids:
                try:
                    index.delete_notes(added_ids)
                except Exception:  # pragma: no cover - reindex repairs the derived index
                    log.error("could not remove partially indexed notes; run 'reflect reindex'")
            raise
        log.info(
            "client %s: %d notes, %d passages; redact+embed %.3fs, store %.3fs, index %.3fs",
            client.id, len(stored), len(passages), t_redact - started, t_embed - t_redact, time.perf_counter() - t_embed,
        )
        fault_point("import:committed")
        if progress:
            progress(len(stored), len(inputs))
        if learned:
            # The batch taught the map a name: earlier notes that mention it are re-redacted.
            self._reredactor.reredact(client)
        self._commitments.infer(client, around)
        return stored

    def edit(self, client: Client, note_id: int, item: NoteInput) -> Note:
        """Replace a note's text (and date): redacted again (fail closed), its commitments re-derived, and
        the client's index replaced as a whole (the old version's vectors leave no trace, as with
        ``forget``). The store change is all or nothing; should the index update fail afterwards,
        ``reflect reindex`` rebuilds it from the store. The map keeps what it learned."""
        ctx, store = self._ctx, self._ctx.store
        old = ctx.note(client, note_id)
        if not item.text.strip():
            raise InputError("the note is empty: nothing to save")
        if len(item.text) > ctx.settings.max_note_chars:
            raise InputError(f"the note is longer than the limit of {ctx.settings.max_note_chars:,} characters")
        pmap = ctx.map(client)
        redaction = ctx.components.gate.redact(item.text, pmap)
        learned = any(row.origin == LEARNED for row in pmap.new_rows)
        note = Note(old.id, client.id, item.date, item.text, redaction.redacted)
        with store.transaction():
            store.save_map(client.id, pmap)
            if learned:
                store.mark_reredact(client.id)
            store.update_note(client.id, note_id, item.date, item.text, redaction.redacted)
            store.refresh_commitments(client.id, note_id, extract_commitments(redaction.redacted))
            # A new date moves the session among the others: every status is inferred again.
            around = self._commitments.around(client, {note_id})
            store.clear_inferred(client.id, None if item.date != old.date else around)
            ctx.notes_changed(client.id)
        embedded = self._reredactor.rebuild_index(client, store.notes(client.id))
        log.info("client %s: note %s edited, %d passages embedded", client.id, note_id, embedded)
        if learned:
            self._reredactor.reredact(client)
        self._commitments.infer(client, around)
        return note

    def delete(self, client: Client, note_id: int) -> None:
        """Erase one note to the standard of ``forget``: its row and commitments go (SQLite's secure
        delete zeroes their pages, the write-ahead log is checkpointed and the file vacuumed), and the
        client's index is replaced by one without its passages; themes follow at the next look."""
        store = self._ctx.store
        self._ctx.note(client, note_id)  # NotFoundError when there is no such note
        with store.transaction():
            store.delete_note(client.id, note_id)
            store.clear_inferred(client.id)  # the sessions after it moved up: inferred again when next counted
            self._ctx.notes_changed(client.id)
        if not store.purge():
            log.warning("a reader kept old pages in the write-ahead log; they are removed at the next checkpoint")
        self._reredactor.rebuild_index(client, store.notes(client.id))
        log.info("client %s: note %s deleted", client.id, note_id)

    def redate(self, client: Client, note_id: int, when: date) -> Note:
        """Change a note's session date only (its text, redaction and index entries stay)."""
        note = self._ctx.note(client, note_id)
        with self._ctx.store.transaction():
            self._ctx.store.set_note_date(client.id, note_id, when)
            self._ctx.store.clear_inferred(client.id)  # the order of sessions changed
            self._ctx.notes_changed(client.id)
        return replace(note, date=when)
