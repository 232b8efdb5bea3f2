"""The redaction gate: the one place that turns a note into text the rest of reflect may see.

Owns the merge of what the detector finds (Presidio, or a fake in unit tests) with what the client's
pseudonym map already knows (the roster and every identifier seen in earlier notes), the consistent
placeholders (``[CLIENT]``, ``[PERSON_2]``, ``[ORG_1]``), learning new identifiers into the map, a final
leak check, and re-identification for display. Any failure inside raises ``RedactionError`` and
nothing downstream runs (fail closed). The embedder, the index, the model, logs and caches only ever
receive ``Redaction.redacted``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple, Protocol

from reflect.core.domain import Entity, Redaction
from reflect.core.errors import RedactionError
from reflect.core.redaction.text import fold, normalise, span_back

log = logging.getLogger(__name__)

#: Detector entity type -> placeholder label.
LABELS: dict[str, str] = {
    "PERSON": "PERSON",
    "ORGANIZATION": "ORG",
    "ORG": "ORG",
    "LOCATION": "LOCATION",
    "STREET_ADDRESS": "ADDRESS",
    "POSTCODE": "POSTCODE",
    "EMAIL_ADDRESS": "EMAIL",
    "PHONE_NUMBER": "PHONE",
    "URL": "URL",
    "IP_ADDRESS": "IP",
    "US_SSN": "ID",
    "UK_NINO": "ID",
    "UK_NHS": "ID",
    "US_PASSPORT": "ID",
    "US_DRIVER_LICENSE": "ID",
    "US_BANK_NUMBER": "ID",
    "ID_NUMBER": "ID",
    "CREDIT_CARD": "CARD",
    "IBAN_CODE": "IBAN",
    "AGE": "AGE",
    "DATE_OF_BIRTH": "DATE",
}

CLIENT_PLACEHOLDER = "[CLIENT]"
PLACEHOLDER_RE = re.compile(r"\[(?:CLIENT|[A-Z]+_\d+)\]")

#: Types whose surfaces are names: later mentions are found by string match, and a multi-word
#: person name also teaches its parts ("Raj Patel" -> "Raj", "Patel").
NAME_TYPES = {"PERSON", "ORG", "LOCATION"}

#: Common words that are also first names. As single-word aliases they match only when capitalised,
#: so registering "Will Turner" redacts "Will" but keeps "we will".
_NAME_WORDS = (
    "will bill mark may june april august art pat sue hope grace faith joy rose dawn summer autumn "
    "rich jack frank bob sunny chance miles guy hunter wade reed ray rob iris ivy holly lily jade "
    "amber ruby pearl sky star victor major king earl duke page gay kitty penny sandy rusty dusty "
    "cash justice honor honour love angel bird brook brooke hazel heather olive violet willow"
).split()


@dataclass(frozen=True)
class Detection:
    """A span a detector believes is an identifier."""

    type: str
    start: int
    end: int
    score: float = 1.0


class Detector(Protocol):
    """Finds identifiers in a text. The real one is Presidio + spaCy; tests use a fake."""

    def detect(self, text: str) -> list[Detection]: ...



@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """spaCy's English stop words (function words: "will", "may", "am")."""
    try:
        from spacy.lang.en.stop_words import STOP_WORDS
    except ImportError:  # pragma: no cover - spaCy is a dependency
        return frozenset()
    return frozenset(w.casefold() for w in STOP_WORDS)


@lru_cache(maxsize=1)
def common_words() -> frozenset[str]:
    """English stop words plus common words that double as names ("will", "grace", "mark")."""
    return stop_words() | frozenset(_NAME_WORDS)


class MapEntry(NamedTuple):
    """One row of a client's pseudonym map."""

    type: str
    key: str
    """The folded surface form: what matching compares."""
    surface: str
    placeholder: str
    origin: str = "learned"
    """"roster" (registered by the coach: matched in every case) or "learned" (found by the detector:
    a single word that is also a common English word is matched only when capitalised)."""


@dataclass
class PseudonymMap:
    """One client's map from identifier surfaces (folded) to placeholders. Never leaves the machine
    and never reaches the model; only placeholders do."""

    rows: list[MapEntry] = field(default_factory=list)
    new_rows: list[MapEntry] = field(default_factory=list)
    """Rows learned since loading, to be stored with the note that taught them."""

    def __post_init__(self) -> None:
        self.rows = [MapEntry(*row) for row in self.rows]
        self._by_key: dict[str, MapEntry] = {}
        self._display: dict[str, str] = {}
        for row in self.rows:
            self._index(row)
        self._pattern: re.Pattern[str] | None = None

    def _index(self, row: MapEntry) -> None:
        self._by_key.setdefault(row.key, row)
        self._display.setdefault(row.placeholder, row.surface)

    def lookup(self, key: str) -> tuple[str, str] | None:
        """(type, placeholder) for a folded key, if the map knows it."""
        row = self._by_key.get(key)
        return (row.type, row.placeholder) if row else None

    def entry(self, key: str) -> MapEntry | None:
        return self._by_key.get(key)

    def add(self, type_: str, surface: str, placeholder: str, *, key: str | None = None, origin: str = "learned") -> None:
        key = key if key is not None else fold(surface)
        if len(key) < 2 or key in self._by_key:
            return
        row = MapEntry(type_, key, surface, placeholder, origin)
        self.rows.append(row)
        self.new_rows.append(row)
        self._index(row)
        self._pattern = None

    def allocate(self, label: str) -> str:
        """A fresh placeholder of this label: one more than the highest number in use."""
        prefix = f"[{label}_"
        used = [int(p[len(prefix) : -1]) for p in self._display if p.startswith(prefix)]
        return f"{prefix}{max(used, default=0) + 1}]"

    def learn(self, label: str, surface: str, placeholder: str, origin: str = "learned") -> None:
        """Remember an identifier, and for a multi-word person name its parts too."""
        self.add(label, surface, placeholder, origin=origin)
        if label == "PERSON":
            # Numbers are no name parts: a coach who calls a client "Client 7" does not want every 7 redacted.
            parts = [p for p in re.split(r"[\s.]+", surface) if len(p) >= 2 and not p.isdigit()]
            if len(parts) > 1:
                for part in parts:
                    self.add(label, part, placeholder, origin=origin)
                # "M. Gonzalez", "M Gonzalez": an initial with the surname.
                self.add(label, f"{parts[0][0]}. {parts[-1]}", placeholder, origin=origin)
                self.add(label, f"{parts[0][0]} {parts[-1]}", placeholder, origin=origin)

    def register(self, label: str, name: str, aliases: Iterable[str] = (), placeholder: str | None = None) -> str:
        """Put a roster entry on the map: the name, its parts, "M. Gonzalez" and every alias, all under
        one placeholder (an existing one if the name is already known). Returns the placeholder."""
        known = self.lookup(fold(name))
        placeholder = placeholder or (known[1] if known else self.allocate(label))
        self.learn(label, name, placeholder, origin="roster")
        for alias in aliases:
            self.add(label, alias, placeholder, origin="roster")
        return placeholder

    def matcher(self) -> re.Pattern[str]:
        """One regex over folded text matching every known key as a whole word."""
        if self._pattern is None:
            keys = sorted(self._by_key, key=len, reverse=True)
            alternatives = [r"\s+".join(re.escape(part) for part in k.split()) for k in keys]
            body = "|".join(alternatives) if alternatives else r"(?!x)x"
            self._pattern = re.compile(rf"(?<![\w@])(?:{body})(?![\w@])")
        return self._pattern

    def reidentify(self, text: str) -> str:
        """Put real names back for the coach's screen; unknown placeholders stay as they are."""
        return PLACEHOLDER_RE.sub(lambda m: self._display.get(m.group(0), m.group(0)), text)

    def display(self, placeholder: str) -> str | None:
        return self._display.get(placeholder)

    def copy(self) -> "PseudonymMap":
        return PseudonymMap(rows=list(self.rows))


class RedactionGate:
    """Detector + pseudonym map -> redacted text. See the module docstring for the contract."""

    def __init__(self, detector: Detector):
        self.detector = detector

    def redact(self, text: str, pmap: PseudonymMap) -> Redaction:
        """Redact ``text`` for one client, learning new identifiers into ``pmap``.

        Raises RedactionError on any failure; the message never contains note text.
        """
        try:
            # Text that merely looks like a placeholder ("print [PERSON_2]") is defused, same length,
            # so no one can smuggle a reference to a real placeholder in through a note.
            text = PLACEHOLDER_RE.sub(lambda m: "(" + m.group(0)[1:-1] + ")", text)
            learned = len(pmap.rows)
            detected = self._detected_spans(text)
            redaction = self._redact(text, pmap, detected)
            if len(pmap.rows) > learned:
                # This note taught the map new identifiers ("Raj Patel" at the end); a second pass
                # catches their earlier mentions in the same note ("raj" at the start).
                redaction = self._redact(text, pmap, detected)
            self._leak_check(redaction.redacted, pmap)
            return redaction
        except RedactionError:
            raise
        except Exception as exc:  # fail closed: whatever broke, nothing passes the gate
            log.error("redaction failed: %s", type(exc).__name__)
            raise RedactionError(
                f"redaction failed ({type(exc).__name__}); nothing was stored, indexed or sent to the model"
            ) from None

    def _known_spans(self, text: str, pmap: PseudonymMap) -> list[tuple[int, int, str, str]]:
        folded, index = normalise(text, fold=True)
        common = common_words()
        spans = []
        stop = stop_words()
        for m in pmap.matcher().finditer(folded):
            key = " ".join(m.group(0).split())
            hit = pmap.entry(key)
            if hit is None:
                continue
            start, end = span_back(index, m.start(), m.end())
            # "will" the verb, not "Will" the person. A name the coach put on the roster ("Mark") is
            # matched in every case unless it is a function word; a learned one only when capitalised.
            ambiguous = key in stop if hit.origin == "roster" else key in common
            if " " not in key and ambiguous and not text[start : start + 1].isupper():
                continue
            spans.append((start, end, hit.type, hit.placeholder))
        return spans

    def _detected_spans(self, text: str) -> list[tuple[int, int, str, float]]:
        clean, index = normalise(text, fold=False)
        spans = []
        for d in self.detector.detect(clean):
            label = LABELS.get(d.type)
            if label is None:
                continue
            start, end = span_back(index, d.start, d.end)
            # A possessive belongs to the sentence, not to the name.
            if label in NAME_TYPES:
                m = re.search(r"['’]s?$", text[start:end])
                if m and end - start > 3:
                    end = start + m.start()
            if end > start:
                spans.append((start, end, label, d.score))
        return spans

    @staticmethod
    def _trim_to_known(text: str, start: int, end: int, known: list[tuple[int, int]]) -> tuple[int, int]:
        """Shrink a detected name that overlaps a known one to the known name plus adjacent capitalised
        words: "Spoke w/ Maria" -> "Maria", but "Maria Gonzalez-Smith" keeps "-Smith"."""
        overlaps = [(s, e) for s, e in known if s < end and e > start]
        if not overlaps:
            return start, end
        core_start = min(s for s, _ in overlaps)
        core_end = max(e for _, e in overlaps)
        for m in reversed(list(re.finditer(r"\S+", text[start:core_start]))):
            word = m.group(0)
            if not word[:1].isupper() or not text[start + m.end() : core_start].strip(" -") == "":
                break
            core_start = start + m.start()
        for m in re.finditer(r"[^\s-]+", text[core_end:end]):
            word = m.group(0)
            if not word[:1].isupper() or text[core_end : core_end + m.start()].strip(" -"):
                break
            core_end = core_end + m.end()
        return core_start, core_end

    def _redact(self, text: str, pmap: PseudonymMap, detected: list[tuple[int, int, str, float]]) -> Redaction:
        # (start, end, label, placeholder or None, priority): known identifiers win over new ones.
        spans = [(s, e, t, p, 2) for s, e, t, p in self._known_spans(text, pmap)]
        known = [(s, e) for s, e, _t, _p, _pr in spans]
        for s, e, t, _score in detected:
            if t in NAME_TYPES:
                s, e = self._trim_to_known(text, s, e, known)
                spans.append((s, e, t, None, 1))
            else:
                # Structured identifiers (e-mail, URL, phone...) outrank a name found inside them, so
                # "maria.g@example.org" becomes one [EMAIL_1], not a [CLIENT] with a domain hanging off.
                spans.append((s, e, t, None, 3))
        spans.sort(key=lambda s: (s[0], -(s[1] - s[0])))

        # Overlapping spans merge into their union, so a partial overlap never leaves a fragment behind.
        merged: list[list] = []
        for start, end, label, placeholder, priority in spans:
            if merged and start < merged[-1][1]:
                cur = merged[-1]
                cur[1] = max(cur[1], end)
                if priority > cur[4] or (priority == cur[4] and cur[3] is None and placeholder):
                    cur[2], cur[3], cur[4] = label, placeholder, priority
                continue
            merged.append([start, end, label, placeholder, priority])

        merged = self._join_address_blocks(text, merged)
        entities: list[Entity] = []
        out: list[str] = []
        pos = 0
        for start, end, label, placeholder, _priority in merged:
            surface = text[start:end]
            if placeholder is None:
                key = fold(surface)
                known = pmap.lookup(key)
                if known:
                    label, placeholder = known
                else:
                    placeholder = pmap.allocate(label)
                    pmap.learn(label, " ".join(surface.split()), placeholder)
            out.append(text[pos:start])
            out.append(placeholder)
            pos = end
            entities.append(Entity(type=label if placeholder != CLIENT_PLACEHOLDER else "PERSON", start=start, end=end, placeholder=placeholder, text=surface))
        out.append(text[pos:])
        return Redaction(redacted="".join(out), entities=tuple(entities))

    @staticmethod
    def _join_address_blocks(text: str, merged: list[list]) -> list[list]:
        """An address written over several lines ("12 Elm Road,\nLeeds\nLS1 4AP") becomes one
        [ADDRESS_n]: spans that follow an address with only spaces, commas or line breaks between
        them join it, so no town or postcode is left dangling."""
        out: list[list] = []
        for span in merged:
            if (
                out
                and out[-1][2] == "ADDRESS"
                and span[2] in {"ADDRESS", "LOCATION", "POSTCODE", "ORG", "PERSON"}
                and span[4] != 2  # a known person keeps their own placeholder
                and re.fullmatch(r"[\s,]{0,6}", text[out[-1][1] : span[0]])
            ):
                out[-1][1] = span[1]
                continue
            out.append(span)
        return out

    def _leak_check(self, redacted: str, pmap: PseudonymMap) -> None:
        """The redacted text must not contain any multi-character identifier the map knows (a name part
        that is also a placeholder word, like "Client" in "[CLIENT]", is not one)."""
        placeholders = [m.span() for m in PLACEHOLDER_RE.finditer(redacted)]
        for start, end, _label, _placeholder in self._known_spans(redacted, pmap):
            if any(p_start <= start and end <= p_end for p_start, p_end in placeholders):
                continue
            if not PLACEHOLDER_RE.fullmatch(redacted[start:end]):
                raise RedactionError("redaction left a known identifier in the text; nothing was stored")
