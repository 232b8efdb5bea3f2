"""The per-client vector index, behind a small interface.

``ChromaIndex`` keeps one Chroma ``PersistentClient`` directory per client (erasing a client deletes
the directory: Chroma's own ``delete()`` leaves text behind, see facts.md). Embeddings are computed by
reflect and passed in, so Chroma's own embedding function (which downloads a model) is never used.
``MemoryIndex`` is the fake for unit tests. The index is derived from the store and rebuildable.

The index holds vectors and positions only (note id, chunk number, and a keyed digest of the passage
text the vector was computed from), no text: Chroma cannot be encrypted, so the passage text stays
sealed in the store and ``Practice`` puts it back on the way out. Passages come back from ``query``
and ``all`` with empty ``text`` and ``date``.

``replace_all`` swaps in a whole new index and removes the old one's files, the erasure standard of
``forget``: after a name is redacted retroactively, no vector computed from the old text survives.
The swap goes through sibling directories (``<id>.new``, ``<id>.old``); opening an index finishes or
cleans up a swap a crash interrupted.
"""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, cast

from reflect.core.chunking import CHUNKER_VERSION
from reflect.core.domain import Passage

if TYPE_CHECKING:
    import numpy as np
    from chromadb.base_types import InclusionExclusionOperator, LiteralValue

COLLECTION = "passages"


class VectorIndex(Protocol):
    def add(self, passages: list[Passage], vectors: "np.ndarray") -> None: ...

    def query(self, vector: "np.ndarray", k: int) -> list[Passage]: ...

    def all(self) -> tuple[list[Passage], "np.ndarray"]: ...

    def delete_notes(self, note_ids: list[int]) -> None: ...

    def replace_all(self, passages: list[Passage], vectors: "np.ndarray") -> None:
        """Make these the only passages, leaving no trace of the old vectors."""
        ...

    def count(self) -> int: ...

    def chunker(self) -> int:
        """The version of the chunker the index's positions (note id, chunk) were computed with."""
        ...

    def close(self) -> None: ...


def _ids(passages: list[Passage]) -> list[str]:
    return [f"{p.note_id}:{p.chunk}" for p in passages]


def _position(p: Passage, score: float = 0.0) -> Passage:
    """What an index keeps of a passage: where it is and a digest of what it says, not what it says."""
    return Passage(p.note_id, "", "", p.chunk, score, p.digest)


def leftovers(path: Path) -> list[Path]:
    """The sibling directories an index swap uses (for ``forget`` and start-up clean-up)."""
    return [path.with_name(path.name + ".new"), path.with_name(path.name + ".old")]


def recover_swap(path: Path) -> None:
    """Finish or undo an index swap a crash interrupted. A complete ``.new`` always wins — it was built
    from the newer redacted text, and the live index may hold vectors of text since re-redacted — so it
    replaces whatever is live; an incomplete one is removed (the practice then re-redacts and rebuilds
    that client's index at its next use: see ``Practice.index``)."""
    fresh, stale = leftovers(path)
    if fresh.is_dir() and (fresh / ".complete").exists():
        if path.exists():
            shutil.rmtree(stale, ignore_errors=True)
            os.replace(path, stale)
        os.replace(fresh, path)
    for leftover in (fresh, stale):
        shutil.rmtree(leftover, ignore_errors=True)


class ChromaIndex:
    """One client's Chroma persist directory."""

    def __init__(self, path: Path):
        recover_swap(path)
        self.path = path
        # The app's worker threads share one index per client; a swap (replace_all) must not run
        # under another thread's query.
        self._lock = threading.RLock()
        self._open()

    def _open(self) -> None:
        import chromadb
        from chromadb.config import Settings

        path = self.path
        path.mkdir(parents=True, exist_ok=True)
        (path / ".complete").unlink(missing_ok=True)
        self.client = chromadb.PersistentClient(
            path=str(path), settings=Settings(anonymized_telemetry=False, allow_reset=False, chroma_otel_granularity="none", chroma_otel_collection_endpoint=""),
        )
        self.collection = self.client.get_or_create_collection(
            COLLECTION, embedding_function=None, metadata={"hnsw:space": "cosine", "chunker": CHUNKER_VERSION}
        )

    def add(self, passages: list[Passage], vectors: "np.ndarray") -> None:
        with self._lock:
            if not passages:
                return
            self.collection.upsert(
                ids=_ids(passages),
                embeddings=vectors.tolist(),
                metadatas=[{"note_id": p.note_id, "chunk": p.chunk, "digest": p.digest} for p in passages],
            )

    def query(self, vector: "np.ndarray", k: int) -> list[Passage]:
        with self._lock:
            n = self.count()
            if n == 0:
                return []
            res = self.collection.query(
                query_embeddings=[vector.tolist()], n_results=min(k, n), include=["metadatas", "distances"]
            )
            # Both are present because they are in ``include``; the metadata values are the ints ``add`` stored.
            metadatas = cast("list[list[dict[str, Any]]]", res["metadatas"])
            distances = cast("list[list[float]]", res["distances"])
            return [
                Passage(int(m["note_id"]), "", "", int(m["chunk"]), round(1.0 - float(dist), 4))
                for m, dist in zip(metadatas[0], distances[0])
            ]

    def all(self) -> tuple[list[Passage], "np.ndarray"]:
        with self._lock:
            import numpy as np

            res = self.collection.get(include=["metadatas", "embeddings"])
            metadatas = cast("list[dict[str, Any]]", res["metadatas"])  # present: in ``include``
            passages = [Passage(int(m["note_id"]), "", "", int(m["chunk"]), 0.0, str(m.get("digest", ""))) for m in metadatas]
            vectors = np.asarray(res["embeddings"], dtype=np.float32) if passages else np.zeros((0, 0), np.float32)
            return passages, vectors

    def delete_notes(self, note_ids: list[int]) -> None:
        with self._lock:
            if note_ids:
                inside: dict[InclusionExclusionOperator, list[LiteralValue]] = {"$in": list(note_ids)}
                self.collection.delete(where={"note_id": inside})

    def replace_all(self, passages: list[Passage], vectors: "np.ndarray") -> None:
        with self._lock:
            fresh, stale = leftovers(self.path)
            shutil.rmtree(fresh, ignore_errors=True)
            shutil.rmtree(stale, ignore_errors=True)
            built = ChromaIndex(fresh)
            built.add(passages, vectors)
            built.close()
            (fresh / ".complete").touch()  # the new index is whole: from here on a crash keeps it (recover_swap)
            self.close()
            os.replace(self.path, stale)
            os.replace(fresh, self.path)
            shutil.rmtree(stale)
            self._open()

    def count(self) -> int:
        with self._lock:
            return int(self.collection.count())

    def chunker(self) -> int:
        # Recorded when the collection is created (a replace_all creates a new one). Indexes built
        # before the version was recorded were built with the first chunker, version 1.
        with self._lock:
            return int((self.collection.metadata or {}).get("chunker", 1))

    def close(self) -> None:
        with self._lock:
            # Release Chroma's cached system for this path so the directory can be deleted or reopened.
            try:
                self.client.clear_system_cache()
            except Exception:  # pragma: no cover - best effort on shutdown
                pass


class MemoryIndex:
    """In-memory fake with the same behaviour (cosine similarity), for unit tests."""

    def __init__(self, chunker: int = CHUNKER_VERSION) -> None:
        self.items: dict[str, tuple[Passage, "np.ndarray"]] = {}
        self.chunker_version = chunker

    def add(self, passages: list[Passage], vectors: "np.ndarray") -> None:
        for pid, passage, vector in zip(_ids(passages), passages, vectors):
            self.items[pid] = (_position(passage), vector)

    def query(self, vector: "np.ndarray", k: int) -> list[Passage]:
        import numpy as np

        scored = [
            (float(np.dot(vector, v)), p) for p, v in self.items.values()
        ]
        scored.sort(key=lambda s: -s[0])
        return [_position(p, round(s, 4)) for s, p in scored[:k]]

    def all(self) -> tuple[list[Passage], "np.ndarray"]:
        import numpy as np

        if not self.items:
            return [], np.zeros((0, 0), np.float32)
        passages, vectors = zip(*self.items.values())
        return list(passages), np.stack(vectors)

    def delete_notes(self, note_ids: list[int]) -> None:
        for pid in [pid for pid, (p, _) in self.items.items() if p.note_id in note_ids]:
            del self.items[pid]

    def replace_all(self, passages: list[Passage], vectors: "np.ndarray") -> None:
        self.items = {}
        self.chunker_version = CHUNKER_VERSION
        self.add(passages, vectors)

    def count(self) -> int:
        return len(self.items)

    def chunker(self) -> int:
        return self.chunker_version

    def close(self) -> None:
        pass
