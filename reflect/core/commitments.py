"""Commitments: what a client agreed to do, found in their (redacted) notes, and whether it happened.

Extraction is rule-based and runs on redacted text only, so a commitment is stored with placeholders
and re-identified for display like everything else. It finds sentences or list items such as "agreed
to…", "[CLIENT] will … by …", "committed to…", "next step: …", "homework: …", "action: …", and numbered
items under a "Goals", "Next steps", "Action items" or "Homework" heading.

Status is *inferred* from later notes unless the coach set it: a later sentence that is close in meaning
(embedding similarity) and reports completion ("did", "finally", "handed over", "went well") marks it
done; one that reports it did not happen ("did not", "hasn't", "still") keeps it open with that
evidence; "dropped", "gave up", "decided not to" marks it dropped. Pure logic over vectors the caller
supplies; no model is loaded here.
"""

from __future__ import annotations

import re

import numpy as np

from reflect.core.chunking import sentences
from reflect.core.domain import Commitment, CommitmentStatus

__all__ = ["Commitment", "extract", "infer_status", "locate"]

# Strong cues make a commitment whatever else the sentence says.
_STRONG = re.compile(
    r"\b(?:agreed\s+to|agrees\s+to|committed\s+to|commits\s+to|promised\s+to|chose\s+to|decided\s+to|"
    r"agreed\s+(?:that\s+)?(?:she|he|i|we|\[CLIENT\])\s+(?:would|will)|"
    r"next\s+steps?\s*(?:she|he|they)?\s*(?:chose)?\s*[:\-]|homework\s*[:\-]|action(?:\s+items?)?\s*[:\-]|"
    r"to\s+do\s*[:\-]|goal\s+for\s+(?:next|the\s+coming)\s+\w+\s*[:\-])",
    re.IGNORECASE,
)
# Future cues count when the client (or the coach) is the subject and the sentence is not hedged.
_WILL = re.compile(
    r"(?:\b(?:she|he|we|i)|\[CLIENT\])\s*(?:will|'ll|plans?\s+to|is\s+going\s+to|am\s+going\s+to|intends?\s+to)\s+"
    r"(?!be\s+(?:interesting|hard|good|fine)\b)",
    re.IGNORECASE,
)
# Conditionals, worries and questions are not commitments: "she would need", "will it work?".
_NOT = re.compile(r"\b(?:would|might|could|worr(?:y|ies|ied)|fears?|thinks?)\b|\?\s*$", re.IGNORECASE)
_HEADING = re.compile(
    r"(?:^|(?<=[\s.a-z]))(?:weekly\s*\w?\s*)?(?:smart\s+)?(?:goals?(?!\s+review)(?:\s+setting)?|next\s+steps?|action\s+items?|homework|commitments?|to\s+do)\s*[:\-]",
    re.IGNORECASE | re.MULTILINE,
)
_ITEM = re.compile(r"(?:^|\s)(?:\d{1,2}[.)]|\(\d{1,2}\)|[-*•])\s+([^\n]+?)(?=\s+(?:\d{1,2}[.)]|\(\d{1,2}\))\s|\n|$)")

DONE = re.compile(
    r"\b(?:did|done|finally|completed?|managed\s+to|handed|delivered|took|kept|met|went\s+(?:well|fine)|followed\s+through|"
    r"has\s+(?:started|stopped|made|booked|sent|had)|had\s+(?:the|a|her|his|their)|started|stopped|skipped|presented|"
    r"booked|sent|wrote|made|asked|(?:100|[5-9]\d)\s*%\s*success)\b",
    re.IGNORECASE,
)
NOT_DONE = re.compile(
    r"\b(?:did\s+not|didn't|has\s+not|hasn't|have\s+not|haven't|not\s+yet|still\s+(?:has|hasn't|hasn't|not|avoids?|goes)|"
    r"forgot|missed|lost\s+them|keeps\s+telling|postponed|(?:0|[1-4]\d)\s*%\s*success)\b",
    re.IGNORECASE,
)
DROPPED = re.compile(r"\b(?:dropped|gave\s+up|decided\s+not\s+to|no\s+longer|abandoned|called\s+off)\b", re.IGNORECASE)

SIMILARITY = 0.45


def _first_sentence(item: str) -> str:
    """A list item up to the end of its first sentence, without a trailing "(Confidence: 75%)"."""
    item = re.split(r"(?<=[.!?)])\s+(?=[A-Z])", item.strip(), maxsplit=1)[0]
    return re.sub(r"\s*\((?:confidence|\d+\s*%)[^)]*\)\s*$", "", item, flags=re.IGNORECASE).strip()


def extract(redacted: str) -> list[str]:
    """Commitments in one redacted note: list items under a commitment heading, then cue sentences."""
    found: list[str] = []
    for heading in _HEADING.finditer(redacted):
        block = redacted[heading.end() : heading.end() + 1200]
        stop = re.search(r"\n\s*\n|\b(?:goals?\s+review|progress)\s*:", block, re.IGNORECASE)
        block = block[: stop.start()] if stop else block
        items = [_first_sentence(m.group(1)) for m in _ITEM.finditer(block)]
        if not items:
            first = sentences(block)[:1]
            items = first
        found.extend(i for i in items if len(i) > 8)
    for sentence in sentences(redacted):
        if any(sentence in f or f in sentence for f in found):
            continue
        if not 15 <= len(sentence) <= 400:
            continue
        if _STRONG.search(sentence) or (_WILL.search(sentence) and not _NOT.search(sentence)):
            found.append(sentence)
    unique: list[str] = []
    for item in found:
        if item not in unique:
            unique.append(item)
    return unique


def locate(text: str, chunks: list[str]) -> int:
    """The chunk of its note that holds a commitment (its whole text, whitespace as the chunker
    joins it); 0 when none does (a list item the chunker split)."""
    wanted = " ".join(text.split())
    for i, passage in enumerate(chunks):
        if wanted in passage:
            return i
    return 0


def infer_status(
    commitment_vectors: np.ndarray,
    later: list[list[tuple[int, str, str]]],
    later_vectors: list[np.ndarray],
) -> list[tuple[CommitmentStatus, list[tuple[int, str, str]]]]:
    """For each commitment, (status, evidence) from the sentences of the sessions after its own.

    ``later[i]`` lists (note id, date, sentence) after commitment ``i``'s note, oldest first, with
    vectors ``later_vectors[i]``. Among sentences close in meaning that say something about the
    outcome, the closest decides; a related sentence with no outcome word changes nothing."""
    out: list[tuple[CommitmentStatus, list[tuple[int, str, str]]]] = []
    for i, vector in enumerate(commitment_vectors):
        status: CommitmentStatus = "open"
        evidence: list[tuple[int, str, str]] = []
        best = SIMILARITY
        if later[i]:
            sims = later_vectors[i] @ vector
            for j in np.flatnonzero(sims >= SIMILARITY):
                note_id, day, sentence = later[i][j]
                outcome: CommitmentStatus | None = (
                    "dropped" if DROPPED.search(sentence)
                    else "open" if NOT_DONE.search(sentence)
                    else "done" if DONE.search(sentence)
                    else None
                )
                if outcome and sims[j] >= best:
                    status, evidence, best = outcome, [(note_id, day, sentence)], float(sims[j])
        out.append((status, evidence))
    return out
