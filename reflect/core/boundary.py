"""The hand-off boundary: the last check every text passes on its way out of the store.

Stored redacted text was redacted with the client's map as it was then. A name the coach puts on the
roster later, or one the map learns from a later note, is caught in the stored notes by re-redaction
(``Practice.reredact``); until that has run — and whatever else goes wrong — ``Outbound`` checks each
passage, query, sentence and prompt against the client's *current* roster and map at the moment it is
handed to the embedder or the model, and replaces any name it knows with its placeholder. It learns
nothing and asks no detector: it is a few regular-expression passes, cheap enough for every hand-off.
Logs carry counts only.
"""

from __future__ import annotations

import logging

from reflect.core.redaction.detection import Detection
from reflect.core.redaction.gate import PseudonymMap, RedactionGate

log = logging.getLogger(__name__)


class MapOnly:
    """A detector that finds nothing: checks a text against the client's map alone. It carries the
    same English word lists the real detector gives the gate, so an everyday word that is part of a
    name ("Bank" of "Northgate Bank") counts here exactly when it counts in the gate: capitalised.
    Without them the hand-off took "the bank" for the organisation the gate had rightly left alone,
    in every prompt, and asked for a reindex that could not change it."""

    def __init__(self) -> None:
        from reflect.core.redaction.words import everyday

        self.vocabulary, self.common = everyday()

    def detect(self, text: str) -> list[Detection]:
        return []


class Outbound:
    """One client's current map, applied to texts about to leave for the embedder or the model."""

    def __init__(self, pmap: PseudonymMap, client_id: str = ""):
        self.pmap = pmap
        self.client_id = client_id
        self.gate = RedactionGate(MapOnly())
        self.caught = 0
        """Names replaced at the hand-off (each one a stored text that was out of step with the map)."""

    def text(self, text: str) -> str:
        result = self.gate.known(text, self.pmap)
        if result.entities:
            self.caught += len(result.entities)
            log.warning("client %s: %d name(s) caught at the hand-off; run 'reflect reindex' to re-redact the stored notes",
                        self.client_id, len(result.entities))
        return result.redacted

    def texts(self, texts: list[str]) -> list[str]:
        return [self.text(t) for t in texts]

    def leaks(self, text: str) -> int:
        """How many names the current map knows are in ``text`` (0 for text in step with the map)."""
        return self.gate.leaks(text, self.pmap)
