"""The redaction gate: the one place that turns a note into text the rest of reflect may see.

Owns the merge of what the detector finds (Presidio, or a fake in unit tests) with what the client's
pseudonym map already knows (the roster and every identifier seen in earlier notes), the consistent
placeholders (``[CLIENT]``, ``[PERSON_2]``, ``[ORG_1]``), learning new identifiers into the map, a final
leak check, and re-identification for display. Any failure inside raises ``RedactionError`` and
nothing downstream runs (fail closed). The embedder, the index, the model, logs and caches only ever
receive ``Redaction.redacted``.

The gate's parts live beside it: ``detection`` (what a detector reports and how it is labelled),
``pseudonyms`` (the placeholders and the client's pseudonym map), ``credibility`` (which new names
are learned for later notes) and ``words`` (everyday English). Every public name this module offered
before they were split out is still importable from here (``__all__``).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from reflect.core.domain import PLACEHOLDER_RE, Entity, Redaction
from reflect.core.errors import RedactionError
from reflect.core.redaction.credibility import NameCredibility
from reflect.core.redaction.detection import LABELS, NAME_TYPES, Detection, Detector
from reflect.core.redaction.pseudonyms import (
    CLIENT_PLACEHOLDER,
    IGNORE_TYPE,
    IGNORED,
    LEARNED,
    ROSTER,
    SEEN,
    MapEntry,
    PseudonymMap,
)
from reflect.core.redaction.text import HYPHENS, fold, normalise, span_back
from reflect.core.redaction.words import CALENDAR_WORDS, SHORTHAND, common_words, stop_words

__all__ = [
    "CALENDAR_WORDS", "CLIENT_PLACEHOLDER", "IGNORE_TYPE", "IGNORED", "LABELS", "LEARNED", "NAME_TYPES", "PLACEHOLDER_RE",
    "ROSTER", "SEEN", "SHORTHAND", "Detection", "Detector", "MapEntry", "PseudonymMap", "RedactionGate", "common_words",
    "stop_words",
]

log = logging.getLogger(__name__)

_HYPHEN_CHARS = "-" + HYPHENS
_BEFORE_HYPHEN = re.compile(rf"([^\W\d_]+)[{_HYPHEN_CHARS}]$")
_AFTER_HYPHEN = re.compile(rf"[{_HYPHEN_CHARS}]([^\W\d_]+)")


class RedactionGate(NameCredibility):
    """Detector + pseudonym map -> redacted text. See the module docstring for the contract."""

    def __init__(self, detector: Detector):
        self.detector = detector
        # What the detector knows of English (an everyday-word list and a first-name/surname list),
        # used to decide which names are learned for later notes. A detector without them (a fake)
        # learns every capitalised, name-shaped word.
        self.vocabulary: frozenset[str] = getattr(detector, "vocabulary", frozenset())
        self.common: frozenset[str] = getattr(detector, "common", self.vocabulary)
        self.names: frozenset[str] = getattr(detector, "names", frozenset())

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

    def known(self, text: str, pmap: PseudonymMap) -> Redaction:
        """Replace only what the map already knows (roster and learned names), learning nothing and
        asking no detector: the check every stored text passes again on its way to the embedder or a
        prompt, so a name put on the roster after a note was written never leaves in that note."""
        spans = sorted(self._known_spans(text, pmap), key=lambda s: (s[0], -(s[1] - s[0])))
        out: list[str] = []
        entities: list[Entity] = []
        pos = 0
        for start, end, label, placeholder in spans:
            if start < pos:
                continue
            out.append(text[pos:start])
            out.append(placeholder)
            entities.append(Entity(type=label, start=start, end=end, placeholder=placeholder, text=text[start:end]))
            pos = end
        out.append(text[pos:])
        return Redaction(redacted="".join(out), entities=tuple(entities))

    def leaks(self, text: str, pmap: PseudonymMap) -> int:
        """How many identifiers the map knows are in ``text`` outside placeholders (0 for clean text)."""
        placeholders = [m.span() for m in PLACEHOLDER_RE.finditer(text)]
        return sum(
            1 for start, end, _label, _placeholder in self._known_spans(text, pmap)
            if not any(p_start <= start and end <= p_end for p_start, p_end in placeholders)
            and not PLACEHOLDER_RE.fullmatch(text[start:end])
        )

    def _known_spans(self, text: str, pmap: PseudonymMap) -> list[tuple[int, int, str, str]]:
        folded, index = normalise(text, fold=True)
        common = common_words()
        spans = []
        stop = stop_words()
        for m in pmap.matcher().finditer(folded):
            hit = pmap.matched_entry(m.group(0))
            if hit is None:
                continue
            key = hit.key
            start, end = span_back(index, m.start(), m.end())
            # "will" the verb, not "Will" the person. A name the coach put on the roster ("Mark") is
            # matched in every case unless it is a function word; a learned one only when capitalised.
            if hit.origin == ROSTER:
                # A function word, or an everyday word that is only part of a name ("Price" of "Mark Price").
                ambiguous = key in stop or (hit.part and key in self.common)
            else:
                ambiguous = key in common or (hit.part and key in self.common)
            # ...except as the heading of a note about them: "will – sess 2", "mark: check-in".
            heading = hit.origin == ROSTER and not text[:start].strip() and re.match(r"[ \t]*[-–—:]", text[end:])
            if " " not in key and ambiguous and not text[start : start + 1].isupper() and not heading:
                continue
            if hit.type == "PERSON":
                start, end = self._whole_hyphenated(text, start, end, capitalised_only=True)
            spans.append((start, end, hit.type, hit.placeholder))
        return spans

    def _whole_hyphenated(self, text: str, start: int, end: int, *, capitalised_only: bool = False) -> tuple[int, int]:
        """A hyphenated given name is replaced whole, never half: "Jean‑Luc" or "Seo-yeon" when only one
        part was found. A part joins when it is capitalised, or (for the detector's finds) when it is
        no everyday word ("yeon" joins, "led" in "Maria-led" does not)."""

        def joins(word: str) -> bool:
            if word[:1].isupper():
                return True
            return not capitalised_only and bool(self.vocabulary) and fold(word) not in self.common

        after = _AFTER_HYPHEN.match(text, end)
        if after and joins(after.group(1)):
            end = after.end()
        before = _BEFORE_HYPHEN.search(text[max(0, start - 40) : start])
        if before and joins(before.group(1)):
            start = start - (len(before.group(0)))
        return start, end

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
                m = re.search(r"['’ʼ`]s?$", text[start:end])
                if m and end - start > 3:
                    end = start + m.start()
                if label == "PERSON":
                    start, end = self._whole_hyphenated(text, start, end)
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
        spans: list[tuple[int, int, str, str | None, int]] = [(s, e, t, p, 2) for s, e, t, p in self._known_spans(text, pmap)]
        known = [(s, e) for s, e, _t, _p, _pr in spans]
        for s, e, t, _score in detected:
            if t in NAME_TYPES and pmap.ignored(fold(text[s:e])):
                continue  # the coach said this is not a name
            if t in NAME_TYPES:
                s, e = self._trim_to_known(text, s, e, known)
                spans.append((s, e, t, None, 1))
            else:
                # Structured identifiers (e-mail, URL, phone...) outrank a name found inside them, so
                # "maria.g@example.org" becomes one [EMAIL_1], not a [CLIENT] with a domain hanging off.
                spans.append((s, e, t, None, 3))
        spans.sort(key=lambda s: (s[0], -(s[1] - s[0])))

        # Overlapping spans merge into their union, so a partial overlap never leaves a fragment behind.
        merged: list[list[Any]] = []
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
                mapped = pmap.lookup(key)
                if mapped:
                    label, placeholder = mapped
                else:
                    placeholder = pmap.allocate(label)
                    written = " ".join(surface.split())
                    origin = LEARNED if self._credible(label, written, text, start) else SEEN
                    pmap.learn(label, written, placeholder, origin=origin, credible=self._credible_word)
            out.append(text[pos:start])
            out.append(placeholder)
            pos = end
            entities.append(Entity(type=label if placeholder != CLIENT_PLACEHOLDER else "PERSON", start=start, end=end, placeholder=placeholder, text=surface))
        out.append(text[pos:])
        return Redaction(redacted="".join(out), entities=tuple(entities))

    _TOWNS_BETWEEN = re.compile(r"[\s,]{1,6}(?:[A-Z][\w'’.-]*(?:[ \t][A-Z][\w'’.-]*){0,2}[\s,]{1,6}){1,3}")

    @classmethod
    def _join_address_blocks(cls, text: str, merged: list[list[Any]]) -> list[list[Any]]:
        """An address written over several lines ("12 Elm Road,\nLeeds\nLS1 4AP") becomes one
        [ADDRESS_n]: spans that follow an address with only spaces, commas or line breaks between
        them join it, so no town or postcode is left dangling."""
        out: list[list[Any]] = []
        for span in merged:
            if (
                out
                and out[-1][2] == "ADDRESS"
                and span[2] in {"ADDRESS", "LOCATION", "POSTCODE", "ORG", "PERSON"}
                and span[4] != 2  # a known person keeps their own placeholder
                and (
                    re.fullmatch(r"[\s,]{0,6}", text[out[-1][1] : span[0]])
                    # "27 Oakley Road, Caversham, Reading RG4 7RJ": towns between the street and its code.
                    or (span[2] in {"POSTCODE", "LOCATION"} and cls._TOWNS_BETWEEN.fullmatch(text[out[-1][1] : span[0]]))
                )
            ):
                out[-1][1] = span[1]
                continue
            out.append(span)
        return out

    def _leak_check(self, redacted: str, pmap: PseudonymMap) -> None:
        """The redacted text must not contain any multi-character identifier the map knows (a name part
        that is also a placeholder word, like "Client" in "[CLIENT]", is not one)."""
        if self.leaks(redacted, pmap):
            raise RedactionError("redaction left a known identifier in the text; nothing was stored")
