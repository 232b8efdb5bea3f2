"""Reflection questions: what the model is shown, the schema it must answer in, how each answer is
validated, and the question-bank fallback.

The model sees numbered, redacted passages and answers ``{"questions": [{"question", "passage"}]}``.
A question survives validation only if it is an open question of sensible length, not a duplicate,
mentions no placeholder the client's map does not know and no raw identifier, and cites a passage that
exists. Everything that fails is replaced from the question bank, ranked by relevance to this client;
every question says which produced it. Pure logic; the caller owns the model and the embedder.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from reflect.core.domain import Evidence, Passage, Question, Theme
from reflect.core.prompts import BankQuestion
from reflect.core.redaction.gate import PLACEHOLDER_RE
from reflect.core.themes import quote

OPEN_STARTS = ("what", "how", "where", "who", "which", "when", "why", "tell me", "in what", "to what", "describe", "walk me")
CLOSED_STARTS = ("do ", "does ", "did ", "is ", "are ", "was ", "were ", "can ", "could ", "would ", "will ", "should ", "have ", "has ", "had ", "shall ", "may ", "might ", "am ")


def schema(passage_count: int, count: int) -> dict[str, Any]:
    """JSON schema for the model's answer: bounded array, bounded strings, passage numbers that exist."""
    return {
        "type": "object",
        "properties": {
            "questions": {
                "type": "array",
                "minItems": count,
                "maxItems": count,
                "items": {
                    "type": "object",
                    "properties": {
                        "question": {"type": "string", "minLength": 10, "maxLength": 200},
                        "passage": {"type": "integer", "enum": list(range(1, passage_count + 1))},
                    },
                    "required": ["question", "passage"],
                },
            }
        },
        "required": ["questions"],
    }


def format_passages(passages: list[Passage]) -> str:
    return "\n".join(f"[{i}] ({p.date}) {quote(p.text, 400)}" for i, p in enumerate(passages, start=1))


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", text.lower())) - {"the", "a", "an", "you", "your", "to", "of", "and", "in", "for", "on", "with", "that", "this", "is", "it"}


def near_duplicate(a: str, b: str, threshold: float = 0.7) -> bool:
    wa, wb = _words(a), _words(b)
    if not wa or not wb:
        return a.strip().lower() == b.strip().lower()
    return len(wa & wb) / len(wa | wb) >= threshold


_STOP = set("""a about above after again all also am an and any are as at be because been before being
below between both but by can could did do does doing down during each few for from further had has have
having he her here hers herself him himself his how i if in into is it its itself just me more most my
myself no nor not now of off on once only or other our ours out over own same she should so some such
than that the their theirs them themselves then there these they this those through to too under until
up very was we were what when where which while who whom why will with would you your yours yourself
next session client think feel felt make made get got like want wants way thing things time""".split())


def _content_words(text: str) -> set[str]:
    words = re.findall(r"[a-z]{4,}", PLACEHOLDER_RE.sub(" ", text).lower())
    # A crude stem (first five letters) so "delegate" meets "delegating" and "delegation".
    return {w[:5] for w in words if w not in _STOP}


def grounded(question: str, passage: str) -> bool:
    """A question is about its passage when they share at least one content word (roughly stemmed)."""
    return bool(_content_words(question) & _content_words(passage))


@dataclass
class Validation:
    accepted: list[Question] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)
    """(reason, redacted question text or "") for each item that failed."""
    schema_valid: bool = False


def validate(
    raw: str, passages: list[Passage], known_placeholders: set[str], leaks: Callable[[str], bool], limit: int,
    generic: Callable[[str], bool] | None = None,
) -> Validation:
    """Check the model's raw output. ``leaks(text)`` is True when the text contains a raw identifier;
    ``generic(text)`` when it is a stock question (the question bank's, in other words)."""
    result = Validation()
    try:
        data = json.loads(raw)
        items = data["questions"]
        if not isinstance(items, list):
            raise TypeError
        result.schema_valid = True
    except (ValueError, KeyError, TypeError):
        result.rejected.append(("output is not valid JSON of the expected shape", ""))
        return result
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("question"), str):
            result.rejected.append(("item without a question", ""))
            continue
        # Small models number their questions ("1. What..."): drop list markers before judging.
        text = re.sub(r"^\s*(?:\d+\s*[.):-]|[-*•])\s*", "", " ".join(item["question"].split()))
        cited = item.get("passage")
        lower = text.lower()
        reason = None
        if not (15 <= len(text) <= 200):
            reason = "length"
        elif not text.endswith("?") or text.count("?") > 1:
            reason = "not a single question"
        elif lower.startswith(CLOSED_STARTS) or not lower.startswith(OPEN_STARTS):
            reason = "not an open question"
        elif not isinstance(cited, int) or isinstance(cited, bool) or not (1 <= cited <= len(passages)):
            reason = "cites a passage that does not exist"
        elif any(p not in known_placeholders for p in PLACEHOLDER_RE.findall(text)):
            reason = "mentions an unknown placeholder"
        elif re.search(r"\[[^\]]*\]?", PLACEHOLDER_RE.sub("", text)) or "http" in lower or "](" in text:
            reason = "contains brackets or links"
        elif leaks(text):
            reason = "contains an identifier"
        elif re.search(r"\b(?:i|me|my|mine|myself)\b", lower):
            reason = "speaks as the client, not to them"
        elif re.search(r"\b(\w+)(?:\W+\1\b){2,}", lower):
            reason = "repeats itself"
        elif any(near_duplicate(text, q.text) for q in result.accepted):
            reason = "duplicate"
        elif generic is not None and generic(text):
            reason = "generic: a question-bank question, not about this client"
        elif not grounded(text, passages[cited - 1].text):
            reason = "not about the passage it cites"
        if reason:
            result.rejected.append((reason, "" if reason == "contains an identifier" else text))  # never keep a raw name
            continue
        assert isinstance(cited, int)  # checked above: an item that cites no existing passage is rejected
        p = passages[cited - 1]
        result.accepted.append(Question(text, "model", [Evidence(p.note_id, p.date, quote(p.text), p.chunk)]))
        if len(result.accepted) == limit:
            break
    return result


def rank_bank(
    bank: list[BankQuestion],
    bank_vectors: np.ndarray,
    themes: list[Theme],
    context_vector: np.ndarray | None,
) -> list[tuple[float, BankQuestion, Theme | None]]:
    """Bank questions by relevance: questions of this client's recurring themes first (by theme rank),
    then by similarity to the client's recent notes; stages interleaved so the set covers GROW."""
    theme_rank = {t.label: i for i, t in enumerate(themes)}
    by_label = {t.label: t for t in themes}
    scored = []
    for q, v in zip(bank, bank_vectors):
        sim = float(v @ context_vector) if context_vector is not None else 0.0
        bonus = 0.0
        if q.theme in theme_rank:
            bonus = 1.0 - 0.1 * theme_rank[q.theme]
        elif q.theme is not None:
            bonus = -0.5  # a theme this client does not have
        scored.append((bonus + sim, q, by_label.get(q.theme or "")))
    scored.sort(key=lambda s: -s[0])
    return scored


def fill_from_bank(
    accepted: list[Question],
    ranked: list[tuple[float, BankQuestion, Theme | None]],
    fallback_evidence: list[Evidence],
    count: int,
) -> list[Question]:
    """Top up ``accepted`` to ``count`` with bank questions that are not near-duplicates."""
    out = list(accepted)
    for _score, q, theme in ranked:
        if len(out) >= count:
            break
        if any(near_duplicate(q.text, existing.text) for existing in out):
            continue
        evidence = theme.evidence[:2] if theme and theme.evidence else fallback_evidence[:1]
        out.append(Question(q.text, "bank", list(evidence)))
    return out
