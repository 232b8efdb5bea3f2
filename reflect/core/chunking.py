"""Splitting a redacted note into passages for the index: about three sentences each, never across a
paragraph, so a note about three things yields passages about each of them. Pure text, no models.
"""

from __future__ import annotations

import re

CHUNKER_VERSION = 1
"""Bump whenever ``chunk`` would split a text differently: positions (note id, chunk) held by an index
built with another version no longer point at the same text, so ``doctor`` flags it and ``reindex``
(or the next rebuild) computes every vector again."""

# A sentence ends at . ! ? (or a line break in shorthand notes); placeholders like "[PERSON_1]." are kept whole.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[A-Za-z0-9])|\n+")


def sentences(text: str) -> list[str]:
    out = []
    for paragraph in re.split(r"\n\s*\n", text):
        for sentence in _SENTENCE_END.split(paragraph):
            sentence = " ".join(sentence.split())
            if sentence:
                out.append(sentence)
    return out


def chunk(text: str, sentences_per_chunk: int = 3, max_chars: int = 600) -> list[str]:
    """Passages of up to ``sentences_per_chunk`` sentences and about ``max_chars`` characters."""
    chunks: list[str] = []
    for paragraph in re.split(r"\n\s*\n", text):
        current: list[str] = []
        size = 0
        for sentence in sentences(paragraph):
            if current and (len(current) >= sentences_per_chunk or size + len(sentence) > max_chars):
                chunks.append(" ".join(current))
                current, size = [], 0
            current.append(sentence)
            size += len(sentence) + 1
        if current:
            chunks.append(" ".join(current))
    return chunks


#: Words a note's header or sign-off is made of ("Session 13 | 10 Feb 2026 (review)", "Intake / chemistry
#: call -> first session"): they say when and what kind of meeting, not what it was about.
_STRUCTURE = frozenset(
    """session sessions call calls meeting intake review final first second third last next notes note chemistry
    follow followup follow-up check check-in block engagement part mins min hour hours hr hrs jan feb mar apr may jun
    jul aug sep sept oct nov dec january february march april june july august september october november december
    monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs fri sat sun week weeks
    today date zoom teams video phone online person""".split()
)


_FUNCTION = frozenset("the and of for with on in at to this that a an her his she he it its was is are were by from".split())


def substantive(sentence: str) -> bool:
    """Whether a sentence says something about the client's life: four words or more, two of them
    words of content rather than function words or the header words of a note (dates, "session",
    "intake", "review"); placeholders do not count ("Session 3 with [CLIENT] | 13 May" is a header)."""
    words = re.findall(r"[A-Za-z][A-Za-z'’-]+", re.sub(r"\[[A-Z_0-9]+\]", " ", sentence))
    content = [w for w in words if w.lower() not in _STRUCTURE and w.lower() not in _FUNCTION and (len(w) > 2 or w.isupper())]
    return len(sentence.split()) >= 4 and len(content) >= 2


_DANGLING = re.compile(
    r"^(?:[-*•]\s*)?(?:it|this|that|these|those|they|them|also|and|but|so|then|which|there|here|he|she|as\s+well|too|same|again|"
    r"otherwise|however|anyway|plus|still|because|although|though)\b",
    re.IGNORECASE,
)


def stands_alone(sentence: str) -> bool:
    """Whether a sentence makes sense out of its note: long enough, not a bare heading, and not opening
    on a word that points back at something said before ("It was…", "Also…", "But…")."""
    words = sentence.split()
    if len(words) < 6 or sentence.rstrip().endswith(":"):
        return False
    return _DANGLING.match(sentence.strip()) is None
