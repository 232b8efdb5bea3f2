"""Which words are everyday English, not names: the word lists the detector and the gate share.

Owns spaCy's stop words, the common words that double as first names ("will", "grace"), months and
weekdays, coaching shorthand, the endings of English words, the content words spaCy's small model
mistakes for organisations or people (``CONTENT_ALLOW_LIST``), and the frequency ranks of the embedding
model's WordPiece vocabulary (``COMMON_RANK``, ``RARE_RANK``). Nothing heavy is imported here at import
time: spaCy and the tokenizer file are read on first use.
"""

from __future__ import annotations

import re
from functools import lru_cache

#: Common words that are also first names. As single-word aliases they match only when capitalised,
#: so registering "Will Turner" redacts "Will" but keeps "we will".
_NAME_WORDS = (
    "will bill mark may june april august art pat sue hope grace faith joy rose dawn summer autumn "
    "rich jack frank bob sunny chance miles guy hunter wade reed ray rob iris ivy holly lily jade "
    "amber ruby pearl sky star victor major king earl duke page gay kitty penny sandy rusty dusty "
    "cash justice honor honour love angel bird brook brooke hazel heather olive violet willow"
).split()


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


#: Months and weekdays, whole and abbreviated: never learned as names ("delayed to Jan").
CALENDAR_WORDS = frozenset(
    "january february march april may june july august september october november december jan feb mar apr "
    "jun jul aug sep sept oct nov dec monday tuesday wednesday thursday friday saturday sunday mon tue tues "
    "wed thu thur thurs fri sat sun christmas easter".split()
)

#: Endings of English words the vocabulary lacks in that form ("juggling", "reframed").
_ENGLISH_SHAPE = re.compile(r"(?:ing|ed|ly|tion|sion|ness|ment|able|ible|ful|less|ies|ers|est|ise|ize|ised|ized)$")
#: Coaching shorthand that is no name.
SHORTHAND = frozenset("bday mtg mtgs sess convo ck pls thx tmrw yday wk wks mins hrs asap fyi eod eow ooo wfh".split())

#: Words spaCy's small model often tags as ORG/PERSON in coaching notes that are content, not identifiers.
CONTENT_ALLOW_LIST = [
    "CEO", "CFO", "COO", "CTO", "CMO", "CPO", "CHRO", "VP", "SVP", "EVP", "HR", "PR", "IT", "OKR", "OKRs", "KPI",
    "KPIs", "P&L", "Board", "the Board", "ExCo", "SLT", "ELT", "360", "GROW", "Q1", "Q2", "Q3", "Q4", "EMEA",
    "APAC", "LinkedIn", "Zoom", "Teams", "Slack", "Impostor", "Burnout", "MBTI", "DISC", "DOB", "NI", "ID", "PIP",
    "1:1", "1-1", "EOD", "EOW", "ASAP", "FYI", "TBD", "WFH", "OOO", "PTO",
]

#: Ranks in the WordPiece vocabulary, which lists words roughly by frequency ("the" ~2,000, "said"
#: ~2,050, "legal" ~3,400, "marcus" ~6,600, "declan" ~16,000): below COMMON_RANK a word is too common
#: to be taken for a lower-case name, below RARE_RANK it needs to be a known first name.
COMMON_RANK = 3_000
RARE_RANK = 6_000


def _vocabulary_ranks() -> dict[str, int]:
    """Whole lower-case words of the embedding model's uncased WordPiece vocabulary (already installed
    and verified) with their rank: a stand-in for "is this a (common) English word"."""
    import json

    from reflect.core.models import verified

    vocab = json.loads(verified("tokenizer").read_text(encoding="utf-8"))["model"]["vocab"]
    return {w: i for w, i in vocab.items() if w.isalpha() and w.islower()}


@lru_cache(maxsize=1)
def everyday() -> tuple[frozenset[str], frozenset[str]]:
    """(English vocabulary, its everyday words): what the Presidio detector hands the gate, for gates
    without that detector (the hand-off check), so both judge "bank" and "Bank" alike."""
    ranks = _vocabulary_ranks()
    return frozenset(ranks), frozenset(w for w, rank in ranks.items() if rank < RARE_RANK)


def _english_vocabulary() -> frozenset[str]:
    return frozenset(_vocabulary_ranks())
