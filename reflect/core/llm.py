"""The local language model, behind a small interface.

``LlamaCppModel`` loads a GGUF by path only (never ``from_pretrained``, which calls the hub), verifies
its sha256, and generates schema-constrained JSON with deliberate settings: temperature 0 and a fixed
seed (deterministic), ``max_tokens``, a repetition penalty, a wall-clock limit and a repetition guard,
streaming each piece to a callback. ``FakeLLM`` replays queued outputs and records every prompt it was
shown, for tests. The model only ever receives messages built from redacted text (reflect.core.practice
records each one for ``reflect audit`` before sending it).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, cast

from reflect.core.errors import ModelError

if TYPE_CHECKING:
    from llama_cpp.llama_types import ChatCompletionStreamResponseDelta, CreateChatCompletionStreamResponse

Messages = list[dict[str, str]]

StopReason = Literal["stop", "length", "timeout", "repetition", "cancelled"]
"""Why generation ended: finished, ``max_tokens`` reached, wall-clock limit, a repetition loop, or the coach cancelled."""


@dataclass
class Generation:
    text: str
    tokens: int
    seconds: float
    stop: StopReason

    @property
    def tokens_per_s(self) -> float:
        return self.tokens / self.seconds if self.seconds > 0 else 0.0


class LanguageModel(Protocol):
    name: str

    def generate(
        self,
        messages: Messages,
        schema: dict[str, Any] | None = None,
        *,
        max_tokens: int = 400,
        timeout_s: float = 60.0,
        on_text: Callable[[str], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> Generation: ...


def repeating(text: str, window: int = 24, times: int = 4) -> bool:
    """True when the tail of ``text`` is one short piece repeated (a small model stuck in a loop)."""
    tail = text[-window * times :]
    if len(tail) < window * times:
        return False
    for size in range(2, window + 1):
        piece = tail[-size:]
        if piece.strip() and tail.endswith(piece * times):
            return True
    return False


class LlamaCppModel:
    """A GGUF chat model through llama-cpp-python."""

    def __init__(self, path: Path, *, sha256: str | None, n_ctx: int, n_threads: int, seed: int):
        from reflect.core.models import verify

        if not path.is_file():
            raise ModelError(f"model file {path} does not exist; check --model / REFLECT_MODEL / config.toml")
        if sha256:
            verify(path, sha256, what="chat model")
        try:
            from llama_cpp import Llama

            self.llm = Llama(
                model_path=str(path), n_ctx=n_ctx, n_threads=n_threads, n_threads_batch=n_threads,
                seed=seed, verbose=False,
            )
        except (ValueError, RuntimeError) as exc:
            raise ModelError(f"model file {path} could not be loaded as a GGUF ({type(exc).__name__})") from None
        self.name = path.name
        self.chat_format = self.llm.chat_format

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
        kwargs: dict[str, Any] = dict(
            messages=messages, temperature=0.0, top_k=1, seed=0, max_tokens=max_tokens,
            repeat_penalty=1.15, stream=True,
        )
        if schema is not None:
            kwargs["response_format"] = {"type": "json_object", "schema": schema}
        start = time.perf_counter()
        pieces: list[str] = []
        tokens = 0
        stop: StopReason = "stop"
        # stream=True: llama-cpp-python returns an iterator of chunks (its return type is a union of both shapes).
        chunks = cast("Iterator[CreateChatCompletionStreamResponse]", self.llm.create_chat_completion(**kwargs))
        for chunk in chunks:
            choice = chunk["choices"][0]
            # The delta is either empty or a ChatCompletionStreamResponseDelta: both answer .get("content").
            delta = cast("ChatCompletionStreamResponseDelta", choice.get("delta", {}))
            piece = delta.get("content") or ""
            if piece:
                tokens += 1
                pieces.append(piece)
                if on_text:
                    on_text(piece)
            if choice.get("finish_reason"):
                stop = "length" if choice["finish_reason"] == "length" else "stop"
            if cancelled and cancelled():
                stop = "cancelled"
                break
            if time.perf_counter() - start > timeout_s:
                stop = "timeout"
                break
            if tokens % 8 == 0 and repeating("".join(pieces[-64:])):
                stop = "repetition"
                break
        return Generation("".join(pieces), tokens, time.perf_counter() - start, stop)


@dataclass
class FakeLLM:
    """Replays queued outputs (a string, or a callable of the messages) and records every prompt."""

    outputs: list[str | Callable[[Messages], str]] = field(default_factory=list)
    name: str = "fake"
    prompts: list[Messages] = field(default_factory=list)
    schemas: list[dict[str, Any] | None] = field(default_factory=list)

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
        self.prompts.append(messages)
        self.schemas.append(schema)
        out = self.outputs.pop(0) if self.outputs else json.dumps({"questions": []})
        text = out(messages) if callable(out) else out
        if on_text:
            on_text(text)
        return Generation(text, max(1, len(text) // 4), 0.001, "stop")
