"""The engines a practice runs on, as one object: the detector (behind the redaction gate), the
embedder, the language model and the factory that opens a client's vector index.

``Components.from_settings`` builds the real ones lazily, each on first use, once, under a lock (the
terminal app calls the core from several worker threads). The model and the index each run embedded
(a local GGUF; a Chroma directory per client) or on a server of the practice's network (``model_url``:
an OpenAI-compatible server; ``index_url``: a Chroma server), by settings alone; the detector and the
embedder always run here, so only redacted text and vectors ever cross the wire. ``check_servers``
applies the address policy (``reflect.core.netpolicy``) before anything is stored or sent. Tests and benchmarks pass fakes through the
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
    from chromadb.api import ClientAPI

    from reflect.core.embedding import Embedder
    from reflect.core.index import VectorIndex
    from reflect.core.llm import LanguageModel
    from reflect.core.netpolicy import Endpoint
    from reflect.core.phrases import PhraseFinder
    from reflect.core.redaction.gate import Detector, RedactionGate

log = logging.getLogger(__name__)

IndexFactory = Callable[[Path], "VectorIndex"]
"""A client's index directory -> that client's index (tests pass one; the real ones are built here)."""


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
        self._index_client: ClientAPI | None = None
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
        if self.settings.model_url:
            return self._server_model()
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
        where ``auto`` means a model the coach chose (``model`` or ``model_url``) or one handed in (tests,
        benchmarks), never the shipped 135M default, which a benchmark shows cannot do it (README)."""
        mode = self.settings.use_model
        if mode != "auto":
            return mode == "always"
        return bool(self.settings.model or self.settings.model_url) or self._llm_given

    def _server_model(self) -> LanguageModel:
        from reflect.core.credentials import bearer_token
        from reflect.core.llm_server import ServerModel

        s = self.settings
        model = ServerModel(
            self.model_endpoint(), model_name=s.model_name, structured=s.model_structured_output, token=bearer_token("model"),
            ca_file=s.ca_file, connect_timeout_s=s.server_connect_timeout_s, read_timeout_s=s.server_read_timeout_s,
            retries=s.server_retries, seed=s.seed,
        )
        log.info("model: server mode")
        return model

    # servers ----------------------------------------------------------------------------------------
    def model_endpoint(self) -> Endpoint:
        """The model server's address, checked against the policy (``AddressRefused`` otherwise)."""
        from reflect.core.netpolicy import check

        assert self.settings.model_url
        return check(self.settings.model_url, self.settings.allowed_hosts, what="model server address (model_url)")

    def index_endpoint(self) -> Endpoint:
        from reflect.core.netpolicy import check

        assert self.settings.index_url
        return check(self.settings.index_url, self.settings.allowed_hosts, what="index server address (index_url)")

    def check_servers(self) -> None:
        """Refuse a server address the policy does not allow, before anything is stored or sent.
        Resolves host names (no other traffic); does nothing in embedded mode."""
        if self.settings.model_url and self._llm is None:
            self.model_endpoint()
        if self.settings.index_url and self._index_factory is None:
            self.index_endpoint()

    @property
    def mode(self) -> str:
        """Where the model and the index run, in one line (for ``reflect doctor``)."""
        model = f"model server {self.settings.model_url}" if self.settings.model_url else "embedded model"
        index = f"index server {self.settings.index_url}" if self.settings.index_url else "embedded index (a directory per client)"
        return f"{model}; {index}"

    def index_server(self) -> tuple[ClientAPI, Endpoint]:
        from reflect.core.credentials import bearer_token
        from reflect.core.index_server import connect

        endpoint = self.index_endpoint()
        with self._lock:
            if self._index_client is None:
                s = self.settings
                started = time.perf_counter()
                self._index_client = connect(
                    endpoint, token=bearer_token("index"), ca_file=s.ca_file,
                    connect_timeout_s=s.server_connect_timeout_s, read_timeout_s=s.server_read_timeout_s,
                )
                log.info("index server connected in %.2fs", time.perf_counter() - started)
            return self._index_client, endpoint

    def open_index(self, directory: Path, name: str | None = None) -> VectorIndex:
        """A client's vector index: in ``directory``, or on the index server as the collection
        ``name`` (an opaque name the store derives from the client's key); the caller keeps one per client."""
        if self._index_factory is not None:
            return self._index_factory(directory)
        if self.settings.index_url:
            from reflect.core.index_server import ChromaServerIndex, collection_name

            if not name:
                raise ValueError("an index on a server needs the client's collection name")
            client, endpoint = self.index_server()
            return ChromaServerIndex(client, collection_name(name), endpoint)
        from reflect.core.index import ChromaIndex

        return ChromaIndex(directory)

    def erase_index(self, directory: Path, name: str | None) -> None:
        """Delete a client's collections on the index server (``forget``); the embedded index is a
        directory, which ``forget`` removes itself."""
        if self._index_factory is not None or not self.settings.index_url:
            return
        index = self.open_index(directory, name)
        erase = getattr(index, "erase", None)
        if erase is not None:
            erase()
