"""What every service of a practice shares: the open store, the engines, the per-client indexes,
and the few doors that must exist exactly once.

- ``outbound``/``embed``: every text on its way to the embedder is checked against the client's
  current map (``reflect.core.boundary``); nothing else calls the embedder with a client's text.
- ``ask``: the one door to the language model: check the prompt, record it (redacted) for
  ``reflect audit``, then generate, one request at a time (llama.cpp is not thread-safe).
- ``passages``/``with_text``: a passage is found by its position (note id, chunk); the index keeps
  positions and digests only, the text is read back from the sealed store.

Logs carry ids, counts and timings, never text.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reflect.core.boundary import Outbound
from reflect.core.chunking import chunk
from reflect.core.components import Components
from reflect.core.domain import Client, Note, Passage
from reflect.core.errors import NotFoundError, StoreInUseError
from reflect.core.prompts import PromptLibrary
from reflect.core.redaction.gate import MapEntry, PseudonymMap
from reflect.core.store import Store
from reflect.paths import DataPaths
from reflect.settings import Settings

if TYPE_CHECKING:
    import numpy as np

    from reflect.core.index import VectorIndex
    from reflect.core.llm import Generation, Messages

log = logging.getLogger(__name__)

OnText = Callable[[str], None] | None
Cancelled = Callable[[], bool] | None


def storable_id(value: int) -> bool:
    """An id SQLite can hold (a 20-digit number is simply not found, not an internal error)."""
    return 0 < value < 2**63


def positions(passages: list[Passage]) -> list[Passage]:
    """What the index is handed: where each passage is and the digest of its text, never the text."""
    return [replace(p, text="", date="") for p in passages]


class Context:
    """The open practice as the services see it."""

    def __init__(self, paths: DataPaths, settings: Settings, store: Store, components: Components, read_only: bool) -> None:
        self.paths = paths
        self.settings = settings
        self.store = store
        self.components = components
        self.read_only = read_only
        self.prompts = PromptLibrary(Path(settings.prompts_dir) if settings.prompts_dir else paths.user_prompts)
        self._indexes: dict[str, VectorIndex] = {}
        self.sentence_vectors: dict[tuple[str, int, str], np.ndarray] = {}
        """Sentence vectors for themes, by (client id, note id, digest of the redacted sentence): kept
        in memory only, dropped with the client's index (forget, re-redaction) and when it grows large."""
        self._index_lock = threading.RLock()
        self._model_lock = threading.Lock()
        self.reredacting = False
        self._generations: dict[str, int] = {}
        self.finish_reredaction: Callable[[Client], object] | None = None
        """Set by the practice: finishes a re-redaction a crash interrupted, before an index is read."""
        self.fill_index: Callable[[Client], object] | None = None
        """Set by the practice: builds a client's index from the store (an empty collection on an index server)."""

    # what changed -----------------------------------------------------------------------------------
    def notes_changed(self, client_id: str) -> None:
        """Count a write to a client's notes (this process is the only writer: the lock)."""
        with self._index_lock:
            self._generations[client_id] = self._generations.get(client_id, 0) + 1

    def generation(self, client_id: str) -> int:
        """How many writes to a client's notes this process has made: work computed from the notes
        read at one generation is stale once it has moved on."""
        return self._generations.get(client_id, 0)

    # the store is writable ------------------------------------------------------------------------
    def writable(self) -> None:
        if self.read_only:
            raise StoreInUseError("this command was opened read-only and cannot change the practice")

    # indexes --------------------------------------------------------------------------------------
    def index(self, client: Client) -> VectorIndex:
        if self.read_only:
            raise StoreInUseError("this command needs the index, which only the process holding the data directory may open")
        found = self._indexes.get(client.id)
        if found is not None:
            return found
        fresh = False
        with self._index_lock:
            if client.id not in self._indexes:
                fresh = True
                name = self.store.index_name(client.id) if self.settings.index_url else None
                self._indexes[client.id] = self.components.open_index(self.paths.client_index(client.id), name)
            opened = self._indexes[client.id]
        if not self.reredacting and self.finish_reredaction is not None and self.store.reredact_pending(client.id):
            # A roster change (or a learned name) committed, but a crash stopped its re-redaction:
            # finish it before anything reads this index (checked when the index is first opened).
            log.warning("client %s: finishing a re-redaction a crash interrupted", client.id)
            self.finish_reredaction(client)
        if fresh and self.settings.index_url and self.fill_index is not None and opened.count() == 0 and self.store.notes(client.id):
            # Switched to an index server (or a new one): the client's collection is empty but the store
            # has their notes. Fill it from the store (the source of truth) before anything reads it.
            log.info("client %s: filling an empty collection on the index server from the store", client.id)
            self.fill_index(client)
        return opened

    def drop_index(self, client_id: str) -> None:
        self.forget_vectors(client_id)
        with self._index_lock:
            index = self._indexes.pop(client_id, None)
        if index is not None:
            index.close()

    def forget_vectors(self, client_id: str) -> None:
        """Drop the sentence vectors kept in memory for one client (forget, re-redaction)."""
        with self._index_lock:
            for key in [k for k in self.sentence_vectors if k[0] == client_id]:
                del self.sentence_vectors[key]

    def close_indexes(self) -> None:
        with self._index_lock:
            for index in self._indexes.values():
                index.close()
            self._indexes.clear()

    # the client's map and the hand-off checks -------------------------------------------------------
    def map(self, client: Client) -> PseudonymMap:
        return self._map_of(client.id)

    def _map_of(self, client_id: str) -> PseudonymMap:
        return PseudonymMap(rows=[MapEntry(*row) for row in self.store.vault(client_id)])

    def outbound(self, client_id: str) -> Outbound:
        """The hand-off check with the client's map as it is now (see ``reflect.core.boundary``)."""
        return Outbound(self._map_of(client_id), client_id)

    def embed(self, client_id: str, texts: list[str]) -> np.ndarray:
        """The one door to the embedder for a client's text: checked against the current map first."""
        return self.components.embedder.embed(self.outbound(client_id).texts(texts))

    def leak_check(self, client: Client) -> Callable[[str], bool]:
        outbound = self.outbound(client.id)
        return lambda text: bool(outbound.leaks(text))

    # notes and passages -----------------------------------------------------------------------------
    def note(self, client: Client, note_id: int) -> Note:
        found = self.store.note(client.id, note_id) if storable_id(note_id) else None
        if found is None:
            raise NotFoundError(f"{client.name} has no note {note_id}; 'reflect note list' shows the notes")
        return found

    def passages(self, note: Note) -> list[Passage]:
        return [
            Passage(note.id, note.date.isoformat(), text, i, digest=self.store.digest(note.client_id, text))
            for i, text in enumerate(chunk(note.redacted))
        ]

    def passage(self, client: Client, note_id: int, chunk_no: int) -> Passage | None:
        """The passage at a position, or None when the note or the chunk is not there (any more)."""
        note = self.store.note(client.id, note_id)
        found = self.passages(note) if note else []
        return found[chunk_no] if 0 <= chunk_no < len(found) else None

    def with_text(self, client: Client, found: list[Passage], notes: list[Note] | None = None) -> list[Passage | None]:
        """Put the (sealed, redacted) text and date back on passages the index returned by position,
        from ``notes`` or else the store. A position the store does not have (an index out of step;
        'reflect reindex' repairs it) comes back as None, so callers can keep rows aligned with vectors."""
        known = {note.id: note for note in notes or []}
        by_note: dict[int, list[Passage]] = {}
        out: list[Passage | None] = []
        for p in found:
            if p.note_id not in by_note:
                note = known.get(p.note_id) if notes is not None else self.store.note(client.id, p.note_id)
                by_note[p.note_id] = self.passages(note) if note else []
            stored = by_note[p.note_id]
            out.append(replace(stored[p.chunk], score=p.score) if p.chunk < len(stored) else None)
        return out

    # the door to the model ---------------------------------------------------------------------------
    def ask(self, client: Client, purpose: str, messages: Messages, schema: dict[str, Any], on_text: OnText, cancelled: Cancelled) -> Generation:
        """The one door to the model: check the prompt against the client's current map, record the
        exact (redacted) prompt, then generate."""
        outbound = self.outbound(client.id)
        # The system message is reflect's own fixed text: only what carries the client's material is checked.
        messages = [m if m.get("role") == "system" else {**m, "content": outbound.text(m["content"])} for m in messages]
        rendered = "\n\n".join(f"[{m['role']}]\n{m['content']}" for m in messages)
        with self.store.transaction():
            self.store.record_prompt(client.id, purpose, rendered)
        with self._model_lock:
            generation = self.components.llm.generate(
                messages, schema, max_tokens=self.settings.max_tokens, timeout_s=self.settings.generation_timeout_s,
                on_text=on_text, cancelled=cancelled,
            )
        log.info("client %s %s: %d tokens in %.2fs (%s)", client.id, purpose, generation.tokens, generation.seconds, generation.stop)
        return generation
