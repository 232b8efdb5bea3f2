"""Name credibility: does a name the detector found hold up well enough to be matched in later notes?

Owns the heuristics the gate uses to decide whether a new identifier is ``learned`` (matched in every
later note) or only ``seen`` (kept for the note that has it): the shape of a name word, months,
weekdays and function words, and what the detector knows of English (an everyday-word list and a
first-name/surname list). Also which short forms of a roster organisation are distinctive enough to
match on their own (``roster_forms``).
"""

from __future__ import annotations

import re

from reflect.core.redaction.detection import NAME_TYPES
from reflect.core.redaction.text import fold, normalise
from reflect.core.redaction.words import _ENGLISH_SHAPE, CALENDAR_WORDS, SHORTHAND, stop_words

_NAME_WORD = re.compile(r"[^\W\d_]+(?:['-][^\W\d_]+)*\.?")


class NameCredibility:
    """The name-credibility heuristics, mixed into ``RedactionGate``. ``vocabulary``, ``common`` and
    ``names`` come from the detector (empty for a fake, which then learns every capitalised,
    name-shaped word)."""

    vocabulary: frozenset[str]
    common: frozenset[str]
    names: frozenset[str]

    def roster_forms(self, label: str, name: str) -> list[str]:
        """Forms of a roster entry a coach writes besides the full name: an organisation's first word
        when it is distinctive ("Quanta" for "Quanta Finance", "Nordhaven" for "Nordhaven Logistics";
        never "General" for "General Electric")."""
        words = name.split()
        if label != "ORG" or len(words) < 2:
            return []
        first = words[0]
        key = fold(first)
        if (len(key) >= 4 and first[:1].isupper() and _NAME_WORD.fullmatch(normalise(first, fold=False)[0])
                and key not in stop_words() and key not in CALENDAR_WORDS and key not in self.vocabulary and key not in self.names):
            return [first]
        return []

    def _credible_word(self, word: str, *, alone: bool = False, sentence_start: bool = False) -> bool:
        """Does one word found by the detector hold up as a name to match in later notes? It must be
        name-shaped and capitalised, no month, weekday or function word, and a known first name or
        surname or else no everyday word ("Spoke", "Mentioned" and "Jan" do not hold up)."""
        word = normalise(word, fold=False)[0]
        if not _NAME_WORD.fullmatch(word):
            return False
        key = fold(word).rstrip(".")
        if len(key) < 2 or key in CALENDAR_WORDS or key in stop_words():
            return False
        if not word[:1].isupper():
            # A lower-case find ("w/ priya", "sunil from legal") holds up as a known name that is no
            # everyday word, or as a word no English vocabulary has.
            return bool(self.names) and ((key in self.names and key not in self.common) or (
                len(key) >= 4 and key not in self.vocabulary and not _ENGLISH_SHAPE.search(key) and key not in SHORTHAND))
        if key in self.names:
            return not (alone and sentence_start and key in self.vocabulary)
        return key not in self.vocabulary and not (alone and sentence_start)

    def _credible(self, label: str, surface: str, text: str, start: int) -> bool:
        """Is a new identifier learned (matched in later notes) or only seen (kept for this note)?"""
        if label not in NAME_TYPES:
            return True  # e-mail addresses, phone numbers, ids: their shape is the evidence
        words = normalise(surface, fold=False)[0].split()
        before = text[:start].rstrip()
        sentence_start = not before or before[-1] in ".!?:;\n\"“>-*•"
        if len(words) == 1:
            if words[0].isupper() and len(words[0]) <= 4:
                return False  # an acronym ("ERP", "GM", "IST") is no name to carry into later notes
            return self._credible_word(words[0], alone=True, sentence_start=sentence_start)
        stop = stop_words()
        inner_ok = all(_NAME_WORD.fullmatch(w) and (w[:1].isupper() or fold(w) in stop or self._credible_word(w)) for w in words)
        ends_ok = all(self._credible_word(w) or w[:1].isupper() for w in (words[0], words[-1]))
        return inner_ok and ends_ok and any(self._credible_word(w) for w in words)
