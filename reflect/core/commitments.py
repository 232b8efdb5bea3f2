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
    r"to\s+do\s*[:\-]|goal\s+for\s+(?:next|the\s+coming)\s+\w+\s*[:\-]|"
    # reported speech: "he said he'd leave his phone in the car", "she told me she would call" (not "she'd
    # rather", "he'd been", "she'd think about it")
    # (the speaker is the client, and the one who will act: "her boss said he would", "Tom said he'd" are not)
    r"(?:^|[.;:!]\s+|\b(?:also|and|then)\s+)(?:she|he|\[CLIENT\])\s+(?:also\s+)?(?:said|says|told\s+me|promised(?:\s+me)?)\s+(?:that\s+)?"
    r"(?:she|he|\[CLIENT\])\s*(?:'d|’d|\s+would)\s+"
    r"(?!(?:rather|like|love|hate|prefer|be|feel|been|had|never|already|always|have|think|consider|see|maybe|probably|not|need|want|wanted|"
    r"do\s+anything|try\s+to\s+see)\b))",
    re.IGNORECASE,
)
# Future cues count when the client (or the coach) is the subject and the sentence is not hedged.
_WILL = re.compile(
    r"(?:\b(?:she|he|we|i)|\[CLIENT\])\s*(?:will|'ll|’ll|plans?\s+to|is\s+going\s+to|'s\s+going\s+to|’s\s+going\s+to|am\s+going\s+to|intends?\s+to)\s+"
    r"(?!be\s+(?:interesting|hard|good|fine)\b)",
    re.IGNORECASE,
)
# Conditionals, worries and questions are not commitments: "she would need", "will it work?".
_NOT = re.compile(r"\b(?:would|might|could|worr(?:y|ies|ied)|fears?|thinks?)\b|\?\s*$", re.IGNORECASE)
# "Goals:" lists the engagement's goals (why the client came, ``reflect goal``), and "reviewed goals: 1) …"
# looks back on them: neither is a commitment. A goal set for the coming week is one ("weekly goal:",
# "goal for next week:").
_HEADING = re.compile(
    r"(?:^|(?<=[\s.a-z]))(?:(?:weekly|this\s+week's|week's)\s+goals?|next\s+steps?|action\s+items?|homework|commitments?\s+for(?:\s+[\w'’-]+){1,3}(?=\s*:)|(?:smart\s+)?goal(?=\s*:[^\n]{0,120}\b(?:by|before|until)\s)|commitments?|to\s+do)\s*[:\-]",
    re.IGNORECASE | re.MULTILINE,
)
_ITEM = re.compile(r"(?:^|\s)(?:\d{1,2}[.)]|\(\d{1,2}\)|[-*•])\s+([^\n]+?)(?=\s+(?:\d{1,2}[.)]|\(\d{1,2}\))\s|\n|$)")

DONE = re.compile(
    r"\b(?:did|done|finally|completed?|managed\s+to|handed|delivered|took|kept|met|went(?:\s+(?:well|fine|to|out|ahead))?|"
    r"followed\s+through|has\s+(?:started|stopped|made|booked|sent|had)|had\s+(?:the|a|an|her|his|their|coffee|lunch|a\s+\w+)|"
    r"started|stopped|skipped|presented|booked|sent|wrote|written|made|asked|spoke|told|gave|held|ran|got|left|chose|shared|"
    r"paid|put|read|set\s+up|is\s+(?:live|out|in\s+place|running|booked|sorted)|now\s+(?:monthly|weekly|live|in\s+place)|"
    r"(?:100|[5-9]\d)\s*%\s*success)\b",
    re.IGNORECASE,
)
# A past tense not in the list above ("declined", "pulled", "drafted", "screened", "posted") reports the
# thing done too, when the sentence is about the commitment (similar enough) and says nothing against it;
# these "-ed" words are feelings or states, not things done.
PAST = re.compile(r"\b[a-z]{3,}(?:ed)\b", re.IGNORECASE)
_NOT_DEEDS = frozenset(
    "needed wanted worried scared tired interested stressed overwhelmed concerned supposed used excited bored "
    "frustrated annoyed relieved surprised pleased disappointed embarrassed exhausted confused seemed "
    "planned hoped wished intended tried considered wondered feared avoided delayed postponed missed "
    "forgotten expected required related based named called titled".split()
)
NOT_DONE = re.compile(
    r"\b(?:did\s+not|didn't|didn’t|has\s+not|hasn't|hasn’t|have\s+not|haven't|haven’t|not\s+yet|not\s+started|no\s+progress|"
    r"(?:didn't|didn’t|did\s+not)\s+get\s+to|still\s+(?:has|hasn't|not|avoid(?:s|ing)?|goes|putting|on\s+the\s+list)|"
    r"forgot|missed|lost\s+them|keeps\s+(?:telling|postponing|putting)|postponed|pushed\s+(?:back|to)|slipped|"
    r"(?:0|[1-4]\d)\s*%\s*success)\b",
    re.IGNORECASE,
)
DROPPED = re.compile(
    r"\b(?:dropped|dropping|gave\s+up|giving\s+up|decided\s+(?:not\s+to|against)|no\s+longer|abandoned|called\s+off|"
    r"shelved|parked|let\s+(?:it|that|the\s+\w+)\s+go|not\s+doing|won't\s+(?:do|pursue)|not\s+pursu(?:e|ing))\b",
    re.IGNORECASE,
)


def _reports_done(sentence: str) -> bool:
    if DONE.search(sentence):
        return True
    return any(m.group(0).lower() not in _NOT_DEEDS for m in PAST.finditer(sentence))


SIMILARITY = 0.45


def _first_sentence(item: str) -> str:
    """A list item up to the end of its first sentence, without a trailing "(Confidence: 75%)"."""
    item = re.split(r"(?<=[.!?)])\s+(?=[A-Z])", item.strip(), maxsplit=1)[0]
    return re.sub(r"\s*\((?:confidence|\d+\s*%)[^)]*\)\s*$", "", item, flags=re.IGNORECASE).strip()


# A heading on a line of its own (or ending a line) under which the client's commitments are listed:
# "Agreed:", "Next steps she set:", "By next time:", "Before we meet again", "What she'll do ...:".
_BLOCK_HEADING = re.compile(
    r"^[ \t#*_]*(?:(?:client|client's|her|his|their|new|session)\s+(?:agreed|actions?|next\s+steps?|homework|commitments?|to[ -]?dos?)[ \t]*:[ \t*_]*$|"
    r"(?:agreed|actions?|next(?:\s+steps?)?|by\s+next\s+time|homework|experiments?|before\s+we\s+meet\s+again|"
    r"commitments?|to[ -]?dos?|(?:her|his|their|the)\s+plan|(?:weekly|this\s+week's)\s+goals?|"
    r"(?:what\s+)?(?:she|he|they|\[CLIENT\])(?:(?:'s|’s|\s+is|'re|’re|\s+are|'ll|’ll|\s+will)\s+(?:going\s+to|do|try|commit)\b|(?:'ll|’ll|\s+will)(?=\s*:)))"
    r"[^:\n]{0,40}:?[ \t*_]*$)",
    re.IGNORECASE | re.MULTILINE,
)
# The coach's own list ("Me:", "Coach:", "For me:", "My actions"): not the client's commitments.
_COACH_HEADING = re.compile(r"^[ \t#*_]*(?:me|coach|for\s+me|my\s+(?:actions|to[ -]?dos?|side))\b[^:\n]{0,30}:?[ \t*_]*$", re.IGNORECASE | re.MULTILINE)
_LINE_ITEM = re.compile(r"^[ \t]*(?:\d{1,2}[.)]|\(\d{1,2}\)|[-*•+])?[ \t]*(?:\[(?P<box>[ xX~/-]?)\][ \t]*)?(?P<text>\S.*)$")
_CHECKBOX = re.compile(r"^[ \t]*(?:[-*•+][ \t]*)?\[(?P<box>[ xX~/-]?)\][ \t]*(?P<text>\S.*)$", re.MULTILINE)
_BULLET = re.compile(r"^[ \t]*(?:\d{1,2}[.)]|\(\d{1,2}\)|[-*•+])[ \t]+")
# "I'll ..." is the coach writing about themself, unless it is the client quoted.
_COACH_I = re.compile(r"^(?:coach|me)\b|(?<![\"“'‘])\bI(?:'ll|’ll|\s+will|\s+am\s+going\s+to)\b")
_HEDGE = re.compile(r"\b(?:scared|afraid|not\s+sure|isn't\s+sure|unsure|hopes?|wishes|would\s+love|maybe|perhaps|if\s+)\b", re.IGNORECASE)


def _quoted(sentence: str, at: int) -> bool:
    """Whether position ``at`` of ``sentence`` is inside quotation marks (a client's own words)."""
    before = sentence[:at]
    return (before.count('"') % 2 == 1) or (before.count("“") > before.count("”"))


def _block_items(redacted: str) -> tuple[list[str], list[tuple[int, int]]]:
    """List items under a commitment heading, each up to its first sentence and with wrapped lines
    joined; and the spans of the coach's own lists (to be left out)."""
    found: list[str] = []
    coach: list[tuple[int, int]] = []
    lines = redacted.split("\n")
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)
    i = 0
    while i < len(lines):
        heading = _BLOCK_HEADING.match(lines[i])
        mine = _COACH_HEADING.match(lines[i])
        if not (heading or mine) or _BULLET.match(lines[i]):
            i += 1
            continue
        j, items = i + 1, []
        while j < len(lines) and lines[j].strip():
            line = lines[j]
            if _BULLET.match(line) or re.match(r"^[ \t]*\[[ xX~/-]?\]", line):
                items.append(line)
            elif items and line.startswith((" ", "\t")):
                items[-1] += " " + line.strip()  # a wrapped item
            elif items:
                break
            else:
                items.append(line)  # a heading followed by plain lines: each line one item
            j += 1
        if mine:
            coach.append((offsets[i], offsets[j]))
        else:
            for item in items:
                m = _LINE_ITEM.match(item)
                if m is None or (m.group("box") or "").lower() == "x":
                    continue  # done in the session itself: "[x] non-negotiables written"
                text = _first_sentence(" ".join(m.group("text").split()))
                if len(text) > 8:
                    found.append(text)
        i = max(j, i + 1)
    return found, coach


def extract(redacted: str) -> list[str]:
    """Commitments in one redacted note: list items under a commitment heading (and open checklist
    items anywhere), then sentences with a commitment cue whose subject is the client."""
    found, coach = _block_items(redacted)
    for m in _CHECKBOX.finditer(redacted):
        if (m.group("box") or "").lower() != "x" and not any(a <= m.start() < b for a, b in coach):
            text = _first_sentence(" ".join(m.group("text").split()))
            if len(text) > 8:
                found.append(text)
    for heading in _HEADING.finditer(redacted):
        if any(a <= heading.start() < b for a, b in coach):
            continue
        block = redacted[heading.end() : heading.end() + 1200]
        stop = re.search(r"\n\s*\n|\b(?:goals?\s+review|progress)\s*:", block, re.IGNORECASE)
        block = block[: stop.start()] if stop else block
        items = [_first_sentence(" ".join(m.group(1).split())) for m in _ITEM.finditer(block)]
        if not items:
            items = sentences(block)[:1]
        found.extend(i for i in items if len(i) > 8)
    spans = [(a, b) for a, b in coach]
    for sentence in sentences(redacted):
        if any(sentence in f or f in sentence for f in found):
            continue
        if not 15 <= len(sentence) <= 400:
            continue
        at = redacted.find(sentence[:30])
        if at >= 0 and any(a <= at < b for a, b in spans):
            continue
        if _STRONG.search(sentence):
            found.append(sentence)
            continue
        will = _WILL.search(sentence)
        if will is None or _NOT.search(sentence) or _HEDGE.search(sentence):
            continue
        coach_i = _COACH_I.search(sentence)
        if coach_i is not None and not _quoted(sentence, coach_i.start()):
            continue
        found.append(sentence)
    unique: list[str] = []
    for item in found:
        if item not in unique and not any(item != other and item in other for other in found if len(other) < 2 * len(item)):
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
                    else "done" if _reports_done(sentence)
                    else None
                )
                if outcome and sims[j] >= best:
                    status, evidence, best = outcome, [(note_id, day, sentence)], float(sims[j])
        out.append((status, evidence))
    return out
