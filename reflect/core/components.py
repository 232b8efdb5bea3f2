"""The engines a practice runs on, as one object: the detector (behind the redaction gate), the
embedder, the language model and the factory that opens a client's vector index.

``Components.from_settings`` builds the real ones lazily, each on first use, once, under a lock (the
terminal app calls the core from several worker threads). Tests and benchmarks pass fakes through the
same constructor (``Components(detector=FakeDetector(), embedder=HashEmbedder(), ...)``) instead of
monkeypatching. Heavy libraries are imported only when a component is first needed.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from reflect.settings import Settings

if TYPE_CHECKING:
    from reflect.core.embedding import Embedder
    from reflect.core.index import VectorIndex
    from reflect.core.llm import LanguageModel
    from reflect.core.phrases import PhraseFinder
    from reflect.core.redaction.gate import Detector, RedactionGate

log = logging.getLogger(__name__)

IndexFactory = Callable[[Path], "VectorIndex"]


class Components:
    """Detector, embedder, language model and index factory; any left out is built from settings."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        detector: Detector | None = None,
        embedder: Embedder | None = None,
        llm: LanguageModel | None = None,
        index_factory: IndexFactory | None = None,
        phrases: PhraseFinder | None = None,
    ) -> None:
        self.settings = settings or Settings()
        self._detector = detector
        self._embedder = embedder
        self._llm = llm
        self._index_factory = index_factory
        self._phrases = phrases
        self._llm_given = llm is not None
        self._gate: RedactionGate | None = None
        self._lock = threading.RLock()

    @classmethod
    def from_settings(cls, settings: Settings) -> Components:
        return cls(settings)

    def with_settings(self, settings: Settings) -> Components:
        """The same engines (those already given or loaded) with other settings for the ones still to load."""
        same = Components(
            settings, detector=self._detector, embedder=self._embedder, llm=self._llm, index_factory=self._index_factory, phrases=self._phrases,
        )
        same._llm_given = self._llm_given
        return same

    @property
    def gate(self) -> RedactionGate:
        gate = self._gate
        if gate is not None:
            return gate
        with self._lock:
            if self._gate is None:
                from reflect.core.redaction.gate import RedactionGate

                self._gate = RedactionGate(self._load_detector())
            return self._gate

    def _load_detector(self) -> Detector:
        if self._detector is None:
            from reflect.core.redaction.presidio import PresidioDetector

            started = time.perf_counter()
            self._detector = PresidioDetector(self.settings.spacy_model)
            log.info("detector loaded in %.2fs", time.perf_counter() - started)
        return self._detector

    @property
    def embedder(self) -> Embedder:
        embedder = self._embedder
        if embedder is not None:
            return embedder
        with self._lock:
            if self._embedder is None:
                from reflect.core.embedding import MiniLMEmbedder

                started = time.perf_counter()
                self._embedder = MiniLMEmbedder(threads=min(2, self.settings.n_threads))
                log.info("embedder loaded in %.2fs", time.perf_counter() - started)
            return self._embedder

    @property
    def llm(self) -> LanguageModel:
        llm = self._llm
        if llm is not None:
            return llm
        with self._lock:
            if self._llm is None:
                self._llm = self._load_llm()
            return self._llm

    def _load_llm(self) -> LanguageModel:
        from reflect.core.llm import LlamaCppModel
        from reflect.core.models import locate, manifest

        if self.settings.model:
            path, sha = Path(self.settings.model).expanduser(), self.settings.model_sha256
        else:
            path, sha = locate("chat"), manifest()["chat"].sha256
        started = time.perf_counter()
        model = LlamaCppModel(path, sha256=sha, n_ctx=self.settings.n_ctx, n_threads=self.settings.n_threads, seed=self.settings.seed)
        log.info("model loaded in %.2fs", time.perf_counter() - started)
        return model

    @property
    def phrases(self) -> PhraseFinder:
        phrases = self._phrases
        if phrases is not None:
            return phrases
        with self._lock:
            if self._phrases is None:
                from reflect.core.phrases import SpacyPhrases

                self._phrases = SpacyPhrases(self.settings.spacy_model)
            return self._phrases

    @property
    def model_writes(self) -> bool:
        """Whether the language model is asked to write (questions, theme names, recaps): ``use_model``,
        where ``auto`` means a model the coach chose (``model``) or one handed in (tests, benchmarks),
        never the shipped 135M default, which a benchmark shows cannot do it (README)."""
        mode = self.settings.use_model
        if mode != "auto":
            return mode == "always"
        return bool(self.settings.model) or self._llm_given

    def open_index(self, directory: Path) -> VectorIndex:
        """A client's vector index in ``directory`` (the caller keeps one per client)."""
        if self._index_factory is not None:
            return self._index_factory(directory)
        from reflect.core.index import ChromaIndex

        return ChromaIndex(directory)
