"""The first-name gazetteer: name lists from Faker's person providers and the recognizer that uses them.

Owns ``name_lists`` (first names that are no English word, first names that are, and surnames, from
~80 locales) and the ``FirstNameRecognizer`` that finds a capitalised first name the NER missed, or a
lower-case one that is no English word ("spoke w/ priya"). Only the name lists are read from Faker;
nothing is generated. Faker and Presidio are imported only when the lists or the recognizer are built.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from reflect.core.redaction.words import common_words

if TYPE_CHECKING:
    from presidio_analyzer import LocalRecognizer, RecognizerResult
    from presidio_analyzer.nlp_engine import NlpArtifacts

_WORD = re.compile(r"[^\W\d_][^\W\d_'’-]*")
_MONTHS_DAYS = set(
    "january february march april may june july august september october november december monday tuesday "
    "wednesday thursday friday saturday sunday christmas easter".split()
)


def _faker_names(attrs: tuple[str, ...]) -> set[str]:
    import importlib
    import pkgutil

    import faker.providers.person as person

    names: set[str] = set()
    for module in pkgutil.iter_modules(person.__path__):
        provider = getattr(importlib.import_module(f"{person.__name__}.{module.name}"), "Provider", None)
        for attr in attrs:
            value = provider.__dict__.get(attr) if provider is not None else None
            if isinstance(value, (tuple, list, dict)):
                names.update(n.casefold() for n in value if isinstance(n, str) and _WORD.fullmatch(n) and len(n) >= 3)
    return names


def name_lists() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """From Faker's person providers (~80 locales): first names that are not common English words
    (~24,000), first names that are ("Will", "Amber", "Grace"), and surnames."""
    firsts = _faker_names(("first_names", "first_names_female", "first_names_male")) - _MONTHS_DAYS
    common = common_words()
    return frozenset(firsts - common), frozenset(firsts & common), frozenset(_faker_names(("last_names",)))


def _first_name_recognizer(lists: tuple[frozenset[str], frozenset[str], frozenset[str]], vocabulary: frozenset[str]) -> LocalRecognizer:
    names, word_names, surnames = lists
    from presidio_analyzer import LocalRecognizer, RecognizerResult

    class FirstNameRecognizer(LocalRecognizer):
        """A capitalised first name the NER missed ("They had three: Gaetane, Hannah and Derek"), with
        the capitalised word after it as a surname. A name that opens a sentence needs a surname, so
        "Grant proposals" or "Hope so" at a sentence start are left alone."""

        name: str  # set by Presidio's EntityRecognizer.__init__, which mypy cannot type

        def load(self) -> None:  # nothing to load
            pass

        def analyze(self, text: str, entities: list[str] | None, nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
            results: list[RecognizerResult] = []
            words = list(_WORD.finditer(text))
            for i, m in enumerate(words):
                word = m.group(0)
                if word.islower() and len(word) >= 4 and word in names and word not in vocabulary:
                    # Shorthand ("spoke w/ priya"): a lower-case first name that is not an English word
                    # (not a whole word of the 30,000-word uncased WordPiece vocabulary).
                    results.append(self._result(m.start(), m.end(), 0.4))
                    continue
                if not (word[0].isupper() and word[1:].islower()):
                    continue
                end = m.end()
                nxt = words[i + 1] if i + 1 < len(words) else None
                folded = word.casefold()
                if folded in word_names:
                    # "Amber Williams": a first name that is also a word counts only with a known surname.
                    if nxt and text[end : nxt.start()] == " " and nxt.group(0)[:1].isupper() and nxt.group(0).casefold() in surnames:
                        results.append(self._result(m.start(), nxt.end(), 0.5))
                    continue
                if folded not in names:
                    continue
                has_surname = bool(
                    nxt and text[end : nxt.start()] in {" ", " ‑", "-"} and nxt.group(0)[0].isupper()
                    and nxt.group(0).casefold() not in _MONTHS_DAYS
                )
                before = text[max(0, m.start() - 16) : m.start()].rstrip()
                sentence_start = (not before and m.start() <= 16) or (bool(before) and before[-1] in ".!?:\n\"“>")
                if sentence_start and not has_surname:
                    continue
                if has_surname and nxt is not None:  # (has_surname implies a next word)
                    end = nxt.end()
                results.append(self._result(m.start(), end, 0.5 if has_surname else 0.4))
            return results

        def _result(self, start: int, end: int, score: float) -> RecognizerResult:
            return RecognizerResult(
                "PERSON", start, end, score,
                recognition_metadata={
                    RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                    RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
                },
            )

    return FirstNameRecognizer(supported_entities=["PERSON"], name="FirstNameRecognizer", supported_language="en")
