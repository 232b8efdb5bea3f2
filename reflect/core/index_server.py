"""The per-client vector index on a Chroma server of the practice's own network (``index_url``).

Same behaviour as ``ChromaIndex`` (the same add, query, delete and chunker-version record), with one
collection per client on the server instead of one directory per client on disk:

- **Opaque names.** A client's collection is ``r`` + a keyed digest (HMAC under the client's own key)
  of a fixed label: stable for that client, different in every practice (keys are random), and
  meaning nothing without the key: no name, not even reflect's client id, reaches the server. Once
  ``forget`` has deleted the client's key nobody can tell which collection was theirs, which is why
  ``forget`` deletes the collections on the server first and stops if it cannot.
- **Vectors and positions only.** The server receives vectors and metadata (note id, passage
  number, keyed digest), never text: the same ``positions`` the embedded index stores.
- **Replacing** (re-redaction, reindex) builds ``<name>-new``, renames it ``<name>-ready`` once whole,
  deletes the old collection and renames the new one into its place; opening an index finishes or
  discards a swap a crash cut short. (Deleting a collection is Chroma's own: see the README for what
  the server keeps on disk.)

The HTTP session is reflect's own (``_own_session``): ``trust_env=False`` so no proxy from the
environment reroutes vectors, connect/read timeouts (Chroma's default is none), the custom CA file,
and a bearer token when one is set. Every failure is an ``IndexServerError`` (one line, exit 9).
"""

from __future__ import annotations

import functools
import ipaddress
import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, cast

from reflect.core.chunking import CHUNKER_VERSION
from reflect.core.errors import IndexServerError, InputError, ReflectError
from reflect.core.index import COLLECTION, ChromaIndex
from reflect.core.netpolicy import Endpoint

if TYPE_CHECKING:
    import numpy as np
    from chromadb.api import ClientAPI

    from reflect.core.domain import Passage

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])

_timeouts: dict[str, float] = {"connect": 5.0, "read": 120.0}
"""Timeouts of the sessions ``PrivateHttpAPI`` opens (Chroma builds the API object from a dotted path)."""
_timeouts_lock = threading.Lock()


def collection_name(digest: str) -> str:
    """A client's collection on the server: opaque, 3-512 of [a-zA-Z0-9._-] starting and ending alphanumeric."""
    return "r" + digest


def _server_errors(what: str) -> Callable[[F], F]:
    """Turn any failure talking to the server into one ``IndexServerError`` line."""

    def wrap(fn: F) -> F:
        @functools.wraps(fn)
        def inner(self: ChromaServerIndex, *args: Any, **kwargs: Any) -> Any:
            try:
                return fn(self, *args, **kwargs)
            except ReflectError:
                raise
            except Exception as exc:  # noqa: BLE001 - httpx, chromadb and server errors alike, as one line
                raise server_error(self.endpoint, what, exc) from None

        return cast(F, inner)

    return wrap


def server_error(endpoint: Endpoint, what: str, exc: BaseException) -> IndexServerError:
    import httpx

    url = endpoint.url
    # Chroma wraps httpx's errors (a refused connection arrives as a ValueError): judge the cause.
    seen = exc
    while not isinstance(seen, httpx.HTTPError) and (seen.__cause__ or seen.__context__) is not None:
        seen = seen.__cause__ or seen.__context__  # type: ignore[assignment]
    exc = seen if isinstance(seen, httpx.HTTPError) else exc
    text = str(exc).lower()
    if "certificate" in text or "ssl" in text:
        return IndexServerError(f"the index server at {url} has a certificate reflect could not verify; set ca_file in config.toml")
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
        return IndexServerError(f"the index server at {url} is not reachable ({what}); is 'chroma run' running there? check index_url")
    if isinstance(exc, httpx.TimeoutException):
        return IndexServerError(f"the index server at {url} did not answer in time ({what})")
    if "401" in text or "403" in text or "unauthor" in text or "forbidden" in text:
        return IndexServerError(f"the index server at {url} refused reflect ({what}); check REFLECT_INDEX_TOKEN or the keyring entry")
    return IndexServerError(f"the index server at {url} failed to {what} ({type(exc).__name__})")


_allowed_names: list[str] = []
"""The index server's host when ``allowed_hosts`` names it (read by the wrapped session at construction)."""


def _own_session() -> None:
    """Give every Chroma HTTP client of this process reflect's own session: no proxy from the
    environment (``trust_env=False``), no redirects, connect/read timeouts (Chroma's own session has
    none, so a hung server would hang reflect), the CA file from ``chroma_server_ssl_verify``. Chroma
    builds its HTTP API object internally and accepts no session, so its constructor is wrapped,
    once; the headers Chroma set (the bearer token among them) are carried over."""
    import httpx
    from chromadb.api.fastapi import FastAPI

    if getattr(FastAPI.__init__, "_reflect", False):
        return
    original = FastAPI.__init__

    def __init__(self: FastAPI, system: Any) -> None:
        original(self, system)
        old = self._session
        verify = self._settings.chroma_server_ssl_verify
        from reflect.core.netpolicy import checked_transport

        self._session = httpx.Client(
            timeout=httpx.Timeout(_timeouts["read"], connect=_timeouts["connect"]),
            limits=self.http_limits,
            headers=old.headers,
            trust_env=False,
            follow_redirects=False,
            # Every connection goes to an address judged private at that moment, not only at start-up.
            transport=checked_transport(_allowed_names, "index server address (index_url)", verify if verify is not None else True),
        )
        old.close()

    __init__._reflect = True  # type: ignore[attr-defined]
    FastAPI.__init__ = __init__  # type: ignore[method-assign]


def connect(endpoint: Endpoint, *, token: str | None, ca_file: str | None, connect_timeout_s: float, read_timeout_s: float) -> ClientAPI:
    """A Chroma client for the server at ``endpoint`` (which passed the address policy)."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    if token and not endpoint.tls and not all(ipaddress.ip_address(a).is_loopback for a in endpoint.addresses or ("0.0.0.0",)):
        raise InputError(
            f"a bearer token is sent only over https (or to this machine): index_url {endpoint.url} is plain http on the network; "
            "use https:// (with ca_file for your own certificate authority)"
        )
    _own_session()
    # Chroma's settings read CHROMA_* from the environment: tracing is switched off here explicitly, so
    # no OpenTelemetry exporter can be pointed anywhere from outside.
    settings = ChromaSettings(
        anonymized_telemetry=False, chroma_server_ssl_verify=ca_file, chroma_otel_granularity="none", chroma_otel_collection_endpoint="",
    )
    with _timeouts_lock:
        _timeouts.update(connect=connect_timeout_s, read=read_timeout_s)
        _allowed_names[:] = [endpoint.host] if endpoint.allowed_by_name else []
        try:
            return chromadb.HttpClient(
                host=endpoint.host, port=endpoint.port, ssl=endpoint.tls, settings=settings,
                headers={"Authorization": f"Bearer {token}"} if token else None,
            )
        except Exception as exc:  # noqa: BLE001 - one line, whatever failed
            raise server_error(endpoint, "connect", exc) from None


class ChromaServerIndex(ChromaIndex):
    """One client's collection on a Chroma server."""

    def __init__(self, client: ClientAPI, name: str, endpoint: Endpoint) -> None:
        self.client = client
        self.name = name
        self.endpoint = endpoint
        self._lock = threading.RLock()
        self._open()

    @_server_errors("open the client's collection")
    def _open(self) -> None:
        self._recover()
        self.collection = self.client.get_or_create_collection(
            self.name, embedding_function=None, metadata={"hnsw:space": "cosine", "chunker": CHUNKER_VERSION}
        )

    def _names(self) -> set[str]:
        return {c.name if hasattr(c, "name") else str(c) for c in self.client.list_collections()}

    def _recover(self) -> None:
        """Finish or undo a swap a crash interrupted (as ``recover_swap`` does for directories): a
        ``-ready`` collection is whole and wins; a ``-new`` one is incomplete and goes."""
        names = self._names()
        ready, fresh = self.name + "-ready", self.name + "-new"
        if fresh in names:
            self.client.delete_collection(fresh)
        if ready in names:
            if self.name in names:
                self.client.delete_collection(self.name)
            self.client.get_collection(ready, embedding_function=None).modify(name=self.name)

    add = _server_errors("store vectors")(ChromaIndex.add)
    query = _server_errors("search")(ChromaIndex.query)
    all = _server_errors("read the vectors")(ChromaIndex.all)
    delete_notes = _server_errors("delete vectors")(ChromaIndex.delete_notes)
    count = _server_errors("count vectors")(ChromaIndex.count)
    chunker = _server_errors("read the index version")(ChromaIndex.chunker)

    @_server_errors("replace the client's collection")
    def replace_all(self, passages: list[Passage], vectors: np.ndarray) -> None:
        with self._lock:
            fresh, ready = self.name + "-new", self.name + "-ready"
            names = self._names()
            for leftover in (fresh, ready):
                if leftover in names:
                    self.client.delete_collection(leftover)
            metadata = {"hnsw:space": "cosine", "chunker": CHUNKER_VERSION}
            built = self.client.create_collection(fresh, embedding_function=None, metadata=metadata)
            holder = ChromaIndex.__new__(ChromaIndex)
            holder.collection, holder._lock = built, threading.RLock()
            ChromaIndex.add(holder, passages, vectors)
            built.modify(name=ready)  # whole: from here on a crash keeps it (``_recover``)
            self.client.delete_collection(self.name)
            built.modify(name=self.name)
            self.collection = self.client.get_collection(self.name, embedding_function=None)

    @_server_errors("delete the client's collections")
    def erase(self) -> None:
        """Delete the client's collections on the server (``forget``)."""
        with self._lock:
            names = self._names()
            for name in (self.name, self.name + "-new", self.name + "-ready"):
                if name in names:
                    self.client.delete_collection(name)
            log.info("index server: deleted a client's collections")

    def close(self) -> None:
        pass  # the client (one HTTP session) is shared by every client's index and closed with the components


__all__ = ["COLLECTION", "ChromaServerIndex", "collection_name", "connect"]
