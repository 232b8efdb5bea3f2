"""Keeping stored notes in step with the roster: re-redaction and index rebuilds.

A roster change, a learned name, ``person ignore``/``merge`` or ``reindex`` re-redact a client's
stored notes from their sealed originals; a note whose redacted text changes is stored anew, its
commitments re-derived (the coach's statuses kept), the coach's own texts (commitments they kept or
wrote, the engagement's goals: stored redacted only) scrubbed with the current map, and the client's index is replaced as a whole
(``VectorIndex.replace_all``): passages that changed are re-embedded, the others keep their vectors,
and no vector computed from the old text is left in any file. A pending flag in the store, set in the
same transaction as the roster change, makes a re-redaction a crash interrupted finish at next use.
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from typing import TYPE_CHECKING

from reflect.core.boundary import Outbound
from reflect.core.chunking import CHUNKER_VERSION
from reflect.core.commitments import extract as extract_commitments
from reflect.core.domain import Client, Note
from reflect.core.redaction.gate import LEARNED, PLACEHOLDER_RE
from reflect.core.services.context import Context, positions
from reflect.core.services.results import Reredaction

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)


class Reredactor:
    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def reredact(self, client: Client, *, everything: bool = False, index: bool = True, rebuild: bool = False) -> Reredaction:
        """Bring a client's stored notes in step with their current roster and map: each note that
        still holds a name the map knows (or, with ``everything``, each note) is redacted again."""
        started = time.perf_counter()
        self._ctx.reredacting = True
        self._ctx.forget_vectors(client.id)  # vectors of the text as it was redacted before
        try:
            report = self._reredact(client, everything=everything, index=index, rebuild=rebuild)
        finally:
            self._ctx.reredacting = False
        report.seconds = time.perf_counter() - started
        log.info("client %s: re-redaction checked %d notes, changed %d, %d names, %d passages re-embedded in %.2fs",
                 client.id, report.notes_checked, report.notes_changed, report.names_caught, report.passages_reembedded, report.seconds)
        return report

    def finish(self, client: Client) -> None:
        """Finish a re-redaction a crash interrupted (the store may be ahead of the index)."""
        self.reredact(client, everything=True, rebuild=True)

    def _reredact(self, client: Client, *, everything: bool, index: bool, rebuild: bool = False) -> Reredaction:
        ctx, store = self._ctx, self._ctx.store
        report = Reredaction()
        pmap = ctx.map(client)
        outbound = Outbound(pmap, client.id)
        notes = store.notes(client.id)
        report.notes_checked = len(notes)
        changed: dict[int, Note] = {}
        gate = ctx.components.gate
        # Redacting one note may teach the map a name another note holds: repeat until nothing changes.
        for _round in range(3):
            todo = [n for n in notes if everything or outbound.leaks(changed.get(n.id, n).redacted)]
            everything = False
            if not todo:
                break
            known = len(pmap.rows)
            for note in todo:
                current = changed.get(note.id, note)
                redaction = gate.redact(note.original, pmap)
                if redaction.redacted != current.redacted:
                    changed[note.id] = replace(current, redacted=redaction.redacted)
            if not any(row.origin == LEARNED for row in pmap.rows[known:]):
                break
        scrub = outbound.text
        if pmap.dirty or changed:
            before = {n.id: n.redacted for n in notes}
            with store.transaction():
                store.save_map(client.id, pmap)
                for note in changed.values():
                    store.set_redacted(client.id, note.id, note.redacted)
                    store.replace_commitments(client.id, note.id, extract_commitments(note.redacted), scrub)
                if changed:
                    store.clear_inferred(client.id)
                    ctx.notes_changed(client.id)
            report.notes_changed = len(changed)
            report.names_caught = sum(
                max(0, len(PLACEHOLDER_RE.findall(n.redacted)) - len(PLACEHOLDER_RE.findall(before[n.id]))) for n in changed.values()
            )
        with store.transaction():
            # Commitments the coach kept after editing their sentence away hold old text too, and the
            # goals are the coach's own words (stored redacted only): the current map is applied to both.
            store.scrub_commitments(client.id, scrub)
            store.scrub_goals(client.id, scrub)
        if (changed or rebuild) and index:
            # (rebuild: after a crash the store may be re-redacted already and only the index behind it)
            report.passages_reembedded = self.rebuild_index(client, [changed.get(n.id, n) for n in notes])
        if index:
            # Notes and index are in step with the map: nothing left to repair at next use.
            with store.transaction():
                store.clear_reredact(client.id)
        return report

    def rebuild_index(self, client: Client, notes: list[Note], reuse: bool = True) -> int:
        """Replace the client's index with one whose every vector was computed from the notes' current
        redacted text: vectors whose digest matches are kept (``reuse``), the rest re-embedded.
        The new index records the chunker version. Returns passages embedded."""
        import numpy as np

        ctx = self._ctx
        passages = [p for note in notes for p in ctx.passages(note)]
        index = ctx.index(client)
        kept: dict[tuple[int, int, str], np.ndarray] = {}
        if reuse and index.chunker() == CHUNKER_VERSION:
            found, vectors = index.all()
            kept = {(p.note_id, p.chunk, p.digest): v for p, v in zip(found, vectors, strict=True) if p.digest}
        missing = [i for i, p in enumerate(passages) if (p.note_id, p.chunk, p.digest) not in kept]
        fresh = ctx.embed(client.id, [passages[i].text for i in missing]) if missing else None
        fresh_at = {i: k for k, i in enumerate(missing)}
        rows: list[np.ndarray] = []
        for i, p in enumerate(passages):
            rows.append(fresh[fresh_at[i]] if fresh is not None and i in fresh_at else kept[(p.note_id, p.chunk, p.digest)])
        dims = ctx.components.embedder.dimensions if not rows else len(rows[0])
        index.replace_all(positions(passages), np.asarray(rows, dtype=np.float32).reshape(len(rows), dims))
        return len(missing)

    def reindex(self, client: Client | None = None) -> dict[str, Reredaction]:
        """Re-redact clients' notes from their originals with the current roster and map, re-derive
        their commitments, and rebuild their indexes from the store (the source of truth)."""
        ctx, store = self._ctx, self._ctx.store
        reports = {}
        for c in [client] if client else store.clients():
            report = self.reredact(c, everything=True, index=False)
            scrub = ctx.outbound(c.id).text
            with store.transaction():
                for note in store.notes(c.id):
                    store.refresh_commitments(c.id, note.id, extract_commitments(note.redacted))
                store.scrub_commitments(c.id, scrub)
                store.scrub_goals(c.id, scrub)
                store.clear_inferred(c.id)
                ctx.notes_changed(c.id)
            report.passages_reembedded += self.rebuild_index(c, store.notes(c.id), reuse=False)
            with store.transaction():
                store.clear_reredact(c.id)
            reports[c.id] = report
        return reports
