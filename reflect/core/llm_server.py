"""A language model on an OpenAI-compatible server of the practice's own network (``model_url``).

Ollama, llama.cpp's ``llama-server``, llama-cpp-python's server, vLLM and LM Studio all answer
``POST /v1/chat/completions``. ``ServerModel`` sends the same messages the local model gets (built
from redacted text only, checked and recorded by ``Context.ask`` before they reach this module), with
temperature 0 and a seed, streams the answer over server-sent events to the same callback, and stops
when the coach cancels (the stream is closed), at ``max_tokens``, at the wall-clock limit or on a
repetition loop, like ``LlamaCppModel``.

Structured output, per server (each checked in its own documentation): OpenAI's
``response_format = {"type": "json_schema", "json_schema": {"name", "schema", "strict"}}`` is honoured by
llama-server, Ollama 0.5+ (its native ``/api/chat`` calls it ``format``), vLLM (which dropped its
older ``guided_json`` field in 0.12) and LM Studio; llama-cpp-python's server accepts only
``{"type": "json_object", "schema": ...}`` (it rejects the ``json_schema`` type), which llama-server
also accepts. ``auto`` picks ``json_object`` for a llama-cpp-python server (its ``/v1/models`` says
``owned_by: "me"``) and ``json_schema`` otherwise, and should the server refuse that form (HTTP
400/422, or 500 from llama-cpp-python), tries the other, then none, and keeps what worked. The answer
is validated by the caller whatever the server did with the schema.

Network behaviour: the address passed ``reflect.core.netpolicy`` before this object exists; httpx runs
with ``trust_env=False`` (no proxy from the environment can reroute the notes) and without following
redirects (a redirect could point anywhere). Connect and read timeouts are separate; a refused
connection or a 503 is retried a bounded number of times, only before anything was streamed. Every
failure is a ``ModelError``: one line, exit 5, never the server's body (which could echo the prompt).
Logs carry counts and timings only.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from reflect.core.errors import InputError, ModelError
from reflect.core.llm import Generation, Messages, StopReason, repeating
from reflect.core.netpolicy import Endpoint

if TYPE_CHECKING:
    import httpx

log = logging.getLogger(__name__)

class SchemaRejected(ModelError):
    """The server refused the request with the structured-output form reflect sent."""


RETRY_STATUS = 503
"""The one status worth retrying: the server is up but busy or still loading its model."""


def api_base(url: str) -> str:
    """``http://host:port`` or ``http://host:port/v1`` -> the ``/v1`` base."""
    url = url.rstrip("/")
    return url if url.endswith("/v1") else url + "/v1"


class ServerModel:
    """A chat model behind an OpenAI-compatible ``/v1/chat/completions``."""

    def __init__(
        self,
        endpoint: Endpoint,
        *,
        model_name: str | None = None,
        structured: str = "auto",
        token: str | None = None,
        ca_file: str | None = None,
        connect_timeout_s: float = 5.0,
        read_timeout_s: float = 120.0,
        retries: int = 2,
        seed: int = 7,
        backoff_s: float = 0.5,
    ) -> None:
        import httpx

        self.endpoint = endpoint
        self.base = api_base(endpoint.url)
        self._model_name = model_name
        self._structured = structured
        self._retries = retries
        self._backoff_s = backoff_s
        self._seed = seed
        self._read_timeout_s = read_timeout_s
        self._resolved = threading.Lock()
        headers = {"Accept": "text/event-stream, application/json"}
        if token and not endpoint.tls and not all(ipaddress.ip_address(a).is_loopback for a in endpoint.addresses or ("0.0.0.0",)):
            raise InputError(
                f"a bearer token is sent only over https (or to this machine): model_url {endpoint.url} is plain http on the network; "
                "use https:// (with ca_file for your own certificate authority)"
            )
        if token:
            headers["Authorization"] = f"Bearer {token}"
        from reflect.core.netpolicy import checked_transport

        self._http = httpx.Client(
            timeout=httpx.Timeout(read_timeout_s, connect=connect_timeout_s),
            headers=headers,
            trust_env=False,
            follow_redirects=False,
            # Every connection goes to an address judged private at that moment, not only at start-up.
            transport=checked_transport([endpoint.host] if endpoint.allowed_by_name else [], "model server address (model_url)", ca_file or True),
        )
        self.name = f"{model_name or 'model'} at {endpoint.host}:{endpoint.port}"
        self.dialect: str | None = None if structured == "auto" else structured
        self._auto = structured == "auto"

    # what the server offers -----------------------------------------------------------------------
    def models(self) -> list[tuple[str, str]]:
        """(id, owned_by) of each model the server lists; ``ModelError`` when it cannot say."""
        response = self._request("GET", "/models")
        try:
            data = response.json()["data"]
            found = [(str(m["id"]), str(m.get("owned_by", ""))) for m in data]
        except (ValueError, KeyError, TypeError):
            raise ModelError(f"the model server at {self.endpoint.url} answered /v1/models with something other than a model list; is model_url an OpenAI-compatible server?") from None
        return found

    def _resolve(self) -> None:
        """Learn the model name (when not configured) and the structured-output dialect, once."""
        with self._resolved:
            if self._model_name is not None and self.dialect is not None:
                return
            listed = self.models()
            if self._model_name is None:
                if len(listed) != 1:
                    names = ", ".join(m for m, _ in listed[:5]) or "none"
                    raise ModelError(f"the model server at {self.endpoint.url} hosts {len(listed)} models ({names}); set model_name in config.toml")
                self._model_name = listed[0][0]
                self.name = f"{self._model_name} at {self.endpoint.host}:{self.endpoint.port}"
            if self.dialect is None:
                owners = {owner for _, owner in listed}
                self.dialect = "json_object" if owners == {"me"} else "json_schema"  # "me": llama-cpp-python's server
            log.info("model server: %d model(s) listed; structured output as %s", len(listed), self.dialect)

    # requests ---------------------------------------------------------------------------------------
    def _request(self, method: str, path: str, body: dict[str, Any] | None = None) -> httpx.Response:
        """A plain request with the bounded retries; the response is read whole."""
        import httpx

        for attempt in range(self._retries + 1):
            try:
                response = self._http.request(method, self.base + path, json=body)
            except httpx.TransportError as exc:
                if isinstance(exc, httpx.ConnectError) and attempt < self._retries:
                    time.sleep(self._backoff_s * (attempt + 1))
                    continue
                raise self._transport_error(exc) from None
            if response.status_code == RETRY_STATUS and attempt < self._retries:
                time.sleep(self._backoff_s * (attempt + 1))
                continue
            self._check_status(response)
            return response
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises

    def _transport_error(self, exc: Exception) -> ModelError:
        import httpx

        url = self.endpoint.url
        text = str(exc).lower()
        if "certificate" in text or "ssl" in text:
            return ModelError(f"the model server at {url} has a certificate reflect could not verify; set ca_file in config.toml to the practice's CA")
        if isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout):
            return ModelError(f"the model server at {url} did not accept a connection in time; is it running and reachable?")
        if isinstance(exc, httpx.ConnectError):
            return ModelError(f"the model server at {url} is not reachable (connection refused or no route); is it running? check model_url")
        if isinstance(exc, httpx.ReadTimeout):
            return ModelError(f"the model server at {url} sent nothing for {self._read_timeout_s:g} s; it may be overloaded (server_read_timeout_s)")
        return ModelError(f"the connection to the model server at {url} failed ({type(exc).__name__})")

    def _check_status(self, response: httpx.Response, schema_sent: bool = False) -> None:
        code = response.status_code
        if 200 <= code < 300:
            return
        url = self.endpoint.url
        if code in (401, 403):
            raise ModelError(f"the model server at {url} refused the request (HTTP {code}); check REFLECT_MODEL_TOKEN or the keyring entry")
        if code == 404:
            raise ModelError(f"the model server at {url} answered HTTP 404: no OpenAI-compatible API there, or no model {self._model_name!r} (model_name)")
        if code in (400, 422, 500) and schema_sent:
            # llama-cpp-python's server answers a json_schema response_format with 500; others with 400/422.
            raise SchemaRejected(
                f"the model server at {url} rejected the request (HTTP {code}); if it does not take a {self.dialect} response_format, "
                "set model_structured_output in config.toml (json_object, json_schema or none)"
            )
        if 300 <= code < 400:
            raise ModelError(f"the model server at {url} answered with a redirect (HTTP {code}); reflect follows none: give the final URL as model_url")
        raise ModelError(f"the model server at {url} answered HTTP {code}")

    def _body(self, messages: Messages, schema: dict[str, Any] | None, max_tokens: int) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self._model_name, "messages": messages, "stream": True,
            "temperature": 0.0, "seed": self._seed, "max_tokens": max_tokens,
        }
        if self.dialect == "json_object":
            # The llama.cpp family: a schema-compiled grammar, and the sampling the local adapter uses.
            body["top_k"] = 1
            body["repeat_penalty"] = 1.15
        if schema is not None and self.dialect == "json_schema":
            body["response_format"] = {"type": "json_schema", "json_schema": {"name": "reflect_answer", "schema": schema, "strict": True}}
        elif schema is not None and self.dialect == "json_object":
            body["response_format"] = {"type": "json_object", "schema": schema}
        return body

    def generate(
        self,
        messages: Messages,
        schema: dict[str, Any] | None = None,
        *,
        max_tokens: int = 400,
        timeout_s: float = 60.0,
        on_text: Callable[[str], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> Generation:
        self._resolve()
        try:
            return self._generate(messages, schema, max_tokens, timeout_s, on_text, cancelled)
        except SchemaRejected:
            if not self._auto or schema is None:
                raise
        # ``auto`` guessed the server's form of structured output wrong: try the other form, then none
        # (the answer is validated either way), and keep what worked for the next calls.
        # A form is kept only once it has worked: a passing error on one request does not switch the
        # constraint off for the rest of the process.
        tried = self.dialect
        for dialect in [d for d in ("json_schema", "json_object") if d != tried] + ["none"]:
            self.dialect = dialect
            try:
                generation = self._generate(messages, schema, max_tokens, timeout_s, on_text, cancelled)
            except SchemaRejected:
                continue
            except BaseException:
                self.dialect = tried
                raise
            log.info("model server: structured output as %s (the server refused %s)", dialect, tried)
            return generation
        self.dialect = tried
        raise ModelError(f"the model server at {self.endpoint.url} rejected every form of the request; set model_structured_output in config.toml")

    def _generate(
        self, messages: Messages, schema: dict[str, Any] | None, max_tokens: int, timeout_s: float,
        on_text: Callable[[str], None] | None, cancelled: Callable[[], bool] | None,
    ) -> Generation:
        import httpx

        body = self._body(messages, schema, max_tokens)
        start = time.perf_counter()
        pieces: list[str] = []
        stop: StopReason = "stop"
        for attempt in range(self._retries + 1):
            try:
                with self._http.stream("POST", self.base + "/chat/completions", json=body) as response:
                    if response.status_code == RETRY_STATUS and attempt < self._retries:
                        time.sleep(self._backoff_s * (attempt + 1))
                        continue
                    self._check_status(response, schema_sent="response_format" in body)
                    watch = _Watch(response, cancelled, start + timeout_s)
                    try:
                        for piece, finish in self._pieces(response):
                            if piece:
                                pieces.append(piece)
                                if on_text:
                                    on_text(piece)
                            if finish:
                                stop = "length" if finish == "length" else "stop"
                            if cancelled and cancelled():
                                stop = "cancelled"
                                break  # leaving the with-block closes the stream: the server stops generating
                            if time.perf_counter() - start > timeout_s:
                                stop = "timeout"
                                break
                            if len(pieces) % 8 == 0 and repeating("".join(pieces[-64:])):
                                stop = "repetition"
                                break
                    except (httpx.TransportError, httpx.StreamError, OSError):
                        if watch.fired is None:
                            raise
                    finally:
                        watch.stop()
                    if watch.fired is not None:
                        stop = watch.fired
                break
            except httpx.TransportError as exc:
                # Retried only before anything was streamed: a half-written answer is never asked for twice.
                if isinstance(exc, httpx.ConnectError) and not pieces and attempt < self._retries:
                    time.sleep(self._backoff_s * (attempt + 1))
                    continue
                raise self._transport_error(exc) from None
        seconds = time.perf_counter() - start
        log.info("model server: %d pieces in %.2fs (%s)", len(pieces), seconds, stop)
        return Generation("".join(pieces), len(pieces), seconds, stop)

    def _pieces(self, response: httpx.Response) -> Iterator[tuple[str, str | None]]:
        """(content, finish_reason) from an SSE stream, or from one JSON completion when the server
        ignored ``stream``. Anything else is a ``ModelError``."""
        kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind == "application/json":
            response.read()
            try:
                choice = response.json()["choices"][0]
                content = choice["message"].get("content") or ""
                if not isinstance(content, str):
                    raise TypeError
            except (ValueError, KeyError, IndexError, TypeError, AttributeError):
                raise self._wrong_shape() from None
            yield content, choice.get("finish_reason")
            return
        if kind != "text/event-stream":
            raise self._wrong_shape()
        for line in response.iter_lines():
            if not line.startswith("data:"):
                continue  # blank separators, comments (":"), "event:" and "id:" lines
            data = line[5:].strip()
            if data == "[DONE]":
                return
            try:
                chunk = json.loads(data)
                if "error" in chunk:
                    raise ModelError(f"the model server at {self.endpoint.url} reported an error while writing the answer")
                choices = chunk["choices"]
                if not choices:
                    continue  # a usage-only chunk
                choice = choices[0]
                delta = choice.get("delta") or {}
                content = delta.get("content") or ""
                if not isinstance(content, str):
                    raise TypeError
            except (ValueError, KeyError, IndexError, TypeError, AttributeError):
                raise self._wrong_shape() from None
            yield content, choice.get("finish_reason")

    def _wrong_shape(self) -> ModelError:
        return ModelError(f"the model server at {self.endpoint.url} answered something other than a chat completion; is model_url an OpenAI-compatible server?")

    def reachable(self) -> str:
        """One line for ``reflect doctor`` (raises ``ModelError`` when the server cannot be used)."""
        self._resolve()
        return f"{self.name} answers; structured output as {self.dialect}"

    def close(self) -> None:
        self._http.close()


class _Watch:
    """Stops a stream that is waiting on the server (a big model still reading the prompt sends
    nothing for a while) when the coach cancels or the wall-clock limit passes: the reading thread is
    blocked in the socket, so this thread shuts the socket down, which ends the read at once and tells
    the server the answer is no longer wanted."""

    def __init__(self, response: httpx.Response, cancelled: Callable[[], bool] | None, deadline: float, every_s: float = 0.1) -> None:
        self.fired: StopReason | None = None
        self._response = response
        self._cancelled = cancelled
        self._deadline = deadline
        self._every_s = every_s
        self._done = threading.Event()
        threading.Thread(target=self._run, daemon=True, name="reflect-model-watch").start()

    def _run(self) -> None:
        import socket

        while not self._done.wait(self._every_s):
            reason: StopReason | None = (
                "cancelled" if self._cancelled is not None and self._cancelled()
                else "timeout" if time.perf_counter() > self._deadline else None
            )
            if reason is None:
                continue
            self.fired = reason
            stream = self._response.extensions.get("network_stream")
            sock = stream.get_extra_info("socket") if stream is not None else None
            if sock is not None:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            return

    def stop(self) -> None:
        self._done.set()
