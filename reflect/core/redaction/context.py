"""The context recognizer: identifiers found by where they stand rather than by what they are.

Owns the cue words (who is a person: "w/ priya", "uncle hai", "sunil from legal"; role words that are
no names; departments) and the patterns for attendance lines, venues, places after a preposition,
organisations after "ex-", "@ " or an "Org:" label, titled names and organisation suffixes, and the
``ContextRecognizer`` built from them. It runs beside Presidio, not inside it (see ``PresidioDetector``).
Presidio is imported only when the recognizer is built.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Protocol

from reflect.core.redaction.gazetteer import _WORD
from reflect.core.redaction.words import (
    _ENGLISH_SHAPE,
    CALENDAR_WORDS,
    COMMON_RANK,
    CONTENT_ALLOW_LIST,
    RARE_RANK,
    SHORTHAND,
    stop_words,
)

if TYPE_CHECKING:
    from presidio_analyzer import RecognizerResult
    from presidio_analyzer.nlp_engine import NlpArtifacts

#: Words before a lower-case first name that say a person follows ("w/ priya", "uncle hai", "re sunil").
_PERSON_BEFORE = frozenset(
    "w w/ with ask asked asking told tell telling met meet meeting call called calling ping pinged email emailed text texted "
    "cc re uncle aunt auntie husband wife partner son daughter brother sister mum mom dad father mother boss manager "
    "cousin friend colleague ceo cfo coo cto cpo cmo vp md gm chair cancelling cancelled thank thanked intro introduced "
    "dear hi hey".split()
)
#: The cues strong enough for any rare word after them ("w/ sunil", "uncle hai"), not only a known name.
_PERSON_BEFORE_STRONG = frozenset(
    "w w/ re cc uncle aunt auntie husband wife son daughter brother sister mum mom dad cousin dear hi hey".split()
)
#: Words after a lower-case first name that say it was a person ("sunil from legal", "declan noticed").
_PERSON_AFTER = frozenset(
    "from noticed said says asked told thinks think wants felt pushed replied emailed called mentioned agreed left joined "
    "handled sent shared cancelled suggested proposed presented escalates escalated blocked loved hated opened cares "
    "joked admitted offered missed struggled struggling disagreed decided promised complained praised criticised "
    "criticized volunteered declined refused accepted resigned quit started finished confirmed reached needs seems "
    "is was has had".split()
)
#: Departments after "x from ...": "sunil from legal" names a colleague whatever the word "sunil" is.
_DEPARTMENTS = frozenset(
    "legal finance hr ops operations sales marketing it procurement product eng engineering compliance risk audit "
    "security design data research support comms communications strategy tax treasury facilities payroll".split()
)
_ROLE_WORDS = frozenset(w.casefold() for w in CONTENT_ALLOW_LIST) | frozenset(
    "me myself coach team everyone all chair hr ops legal finance sales board".split()
)
_LIST_CUE = re.compile(
    r"(?im)\b(?:present|attendees|attending|attendance|participants|invitees|panel|in\s+the\s+room|with|cc|bcc)\s*(?:\([^)\n]*\)\s*)?[:–—-]\s*([^\n]+)"
)
_VENUE = re.compile(
    r"\b(?i:at|near)\s{1,3}(?:the\s{1,3})?([A-Z][^\W\d_][\w'’&-]{0,40}(?:[ \t]{1,3}(?:[A-Z][\w'’&-]{0,40}|de|del|la|le|of|on|the|and|&)){0,5})"
)
#: A capitalised word that is no everyday word after a preposition of place, or alone in brackets:
#: "a trip to Tofino", "near Ascot", "(Brno)".
_PLACE = re.compile(r"(?:\b(?:in|to|near|from|around|outside|via)[ \t]+|\()([A-Z][^\W\d_][\w'’-]+(?:[ \t][A-Z][^\W\d_][\w'’-]+)?)(?=\)|[\s,.;:!?–—]|$)")
_EX_ORG = re.compile(r"\b(?i:ex)-([A-Z][\w'’&-]{1,40}(?:[ \t]{1,3}[A-Z][\w'’&-]{1,40}){0,3})|(?<![\w.])@\s{1,3}([A-Za-z][\w&-]{2,40})")
_TITLED = re.compile(r"\b(?i:dr|prof|mr|mrs|ms|mx|rev|sir|dame|judge|cllr)\.?\s{1,3}((?:[^\W\d_][\w'’-]{1,40})(?:[ \t]{1,3}[^\W\d_][\w'’-]{1,40}){0,2})")
_ORG_SUFFIX = re.compile(
    r"\b((?:[A-Z][\w'’&-]{1,40}[ \t]{1,3}){1,3}(?:Energy|Pharma|Payments|Law|Logistics|Health|Healthcare|Bank|Capital|Partners|Group|"
    r"Holdings|Labs|Technologies|Tech|Systems|Solutions|Consulting|Finance|Financial|Insurance|Foods|Motors|Media|Ventures|"
    r"Foundation|Trust|Council|University|College|School|Hospital|Clinic|Institute|Academy|Circle|Associates|Industries|"
    r"Robotics|Software|Analytics|Retail|Hotels|Airlines|Studios|Chambers|Inc|Ltd|LLC|LLP|plc|GmbH|AG|SA|BV|Co)\b\.?(?:[ \t]+[A-Z]{2,3}\b)?)"
)
_LABELLED_ORG = re.compile(
    r"(?im)^[ \t]*(?:org|organi[sz]ation|company|employer|firm|school|clinic|empresa|employeur|arbeitgeber)\s*:\s*([^–—(,;\n]+)"
)



class ContextAnalyzer(Protocol):
    """What ``PresidioDetector`` calls on the context recognizer, which runs beside Presidio's analyzer."""

    def analyze(self, text: str, entities: list[str] | None, nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]: ...


def _context_recognizer(lists: tuple[frozenset[str], frozenset[str], frozenset[str]], vocabulary: frozenset[str], ranks: dict[str, int]) -> ContextAnalyzer:
    """Identifiers found by where they stand rather than by what they are: lower-case first names in
    shorthand ("w/ priya", "sunil from legal", "VP sales (marcus)"), names in an attendance line
    ("Present: A, B; C"), venues ("offsite at Coworth Park"), and organisations after "ex-", "@ " or an
    "Org:" label."""
    from presidio_analyzer import LocalRecognizer, RecognizerResult

    names, word_names, surnames = lists
    firsts = names | word_names
    stop = stop_words()

    def is_first(word: str) -> bool:
        w = word.casefold()
        return (len(w) >= 3 and w in firsts and w not in stop and w not in CALENDAR_WORDS and w not in _ROLE_WORDS
                and ranks.get(w, COMMON_RANK) >= COMMON_RANK)

    def rare(word: str) -> bool:
        """No everyday word: outside the ~6,000 most frequent words of the vocabulary, or not in it."""
        w = word.casefold()
        return (len(w) >= 3 and w not in stop and w not in CALENDAR_WORDS and w not in _ROLE_WORDS and w not in SHORTHAND
                and ranks.get(w, RARE_RANK) >= RARE_RANK and not (w not in ranks and _ENGLISH_SHAPE.search(w)))

    class ContextRecognizer(LocalRecognizer):
        name: str  # set by Presidio's EntityRecognizer.__init__, which mypy cannot type

        def load(self) -> None:
            pass

        def analyze(self, text: str, entities: list[str] | None, nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
            results: list[RecognizerResult] = []
            words = list(_WORD.finditer(text))
            for i, m in enumerate(words):
                word = m.group(0)
                if not word.islower():
                    continue
                before = text[words[i - 1].start() : m.start()].strip().casefold() if i else ""
                prev = before.rstrip(":,(").split()[-1] if before.rstrip(":,(").split() else ""
                nxt = words[i + 1] if i + 1 < len(words) else None
                after = nxt.group(0).casefold() if nxt and text[m.end() : nxt.start()] in {" ", ", ", ' "', " “"} else ""
                in_brackets = text[m.start() - 1 : m.start()] == "(" and ")" in text[m.end() : m.end() + 30]
                known = word in firsts and word not in stop and len(word) >= 3
                if in_brackets and prev in _ROLE_WORDS and known:
                    # "CEO (mark davies)", "VP sales (marcus)": a name in brackets after a role.
                    pass
                elif not (is_first(word) or rare(word)):
                    continue
                unknown_word = (word not in ranks and word not in stop and len(word) >= 3
                                and not _ENGLISH_SHAPE.search(word) and word not in SHORTHAND)
                # (A bounded look back: scanning all the text before every word would be quadratic.)
                head = text[max(0, m.start() - 16) : m.start()].rstrip(" \t-–—•*>0123456789.)")
                line_start = (not head and m.start() <= 16) or head.endswith("\n") or prev in {"–", "—", "-", ":", ";"}
                third = words[i + 2].group(0) if i + 2 < len(words) else ""
                if line_start and word in ranks and rare(word) and after in {"convo", "catchup", "1:1", "1-1"}:
                    # "- bao convo happened": a conversation is had with someone (a rare word in the
                    # vocabulary; words it lacks, "offsite", "roadmap", are more often topics).
                    results.append(self._result("PERSON", m.start(), m.end(), 0.45))
                    continue
                if unknown_word and (
                    # "sunil from legal", "yemi in FP&A"
                    (after in {"from", "in"} and (third.casefold() in _DEPARTMENTS or (len(third) >= 2 and third.isupper())))
                    or (after in _PERSON_AFTER and (line_start or prev in {"and", "re"}))
                    or (text[m.end() : m.end() + 2] == " (" and line_start)
                ):
                    # A word that is no English word at all, standing where a colleague does: "sunil
                    # from legal", "- sunil is an ally", "khalid (head of upstream)".
                    results.append(self._result("PERSON", m.start(), m.end(), 0.45))
                    continue
                # A known first name needs a cue on either side; any other rare word one before it.
                if is_first(word):
                    cued = prev in _PERSON_BEFORE or in_brackets or (after in _PERSON_AFTER and after not in {"is", "was", "has", "had"})
                    cued = cued or (after in _PERSON_AFTER and line_start) or (text[m.end() : m.end() + 2] == " (" and line_start)
                else:
                    cued = prev in _PERSON_BEFORE_STRONG
                if word.casefold() in word_names:  # "mark", "olive": only right after a clear person cue
                    cued = prev in _PERSON_BEFORE_STRONG or (
                        # "- bill cares about…" at the start of a line, "get bill to check…"
                        (line_start and after in _PERSON_AFTER and after not in {"is", "was", "has", "had"})
                        or (prev in {"get", "got", "ask", "asked", "tell", "told", "let"} and after == "to")
                    )
                if in_brackets and prev in _ROLE_WORDS and known:
                    cued = True
                if not cued:
                    continue
                end = m.end()
                if (nxt and text[m.end() : nxt.start()] == " " and nxt.group(0).islower() and nxt.group(0) in surnames
                        and nxt.group(0) not in stop and nxt.group(0) not in _PERSON_AFTER):
                    end = nxt.end()
                results.append(self._result("PERSON", m.start(), end, 0.45))
            for line in _LIST_CUE.finditer(text):
                offset = line.start(1)
                for item in re.finditer(r"[^,;/&]+", line.group(1)):
                    chunk = re.sub(r"\([^)]*\)?", lambda x: " " * len(x.group(0)), item.group(0))
                    parts = list(re.finditer(r"[^\s]+", chunk))
                    parts = [p for p in parts if p.group(0).casefold() not in {"and", "+"}]
                    if not 1 <= len(parts) <= 4:
                        continue
                    tokens = [p.group(0).rstrip(".") for p in parts]
                    if any(not re.fullmatch(r"[^\W\d_][^\W\d_'’.-]*\.?", t + ".") and not re.fullmatch(r"[^\W\d_][\w'’-]*", t) for t in tokens):
                        continue
                    if any(t.casefold() in stop or t.casefold() in _ROLE_WORDS for t in tokens):
                        continue
                    if not (tokens[0][:1].isupper() or is_first(tokens[0])):
                        continue
                    start = offset + item.start() + parts[0].start()
                    end = offset + item.start() + parts[-1].end()
                    results.append(self._result("PERSON", start, end, 0.45))
            for m in _VENUE.finditer(text):
                phrase = m.group(1).rstrip(".")
                head = phrase.split()[0].casefold()
                if head in CALENDAR_WORDS or head in _ROLE_WORDS or head in stop:
                    continue
                if " " not in phrase and phrase.casefold() in vocabulary:
                    continue
                # The phrase ends at its last capitalised word ("Coworth Park near Ascot" stops at "Park").
                last = list(re.finditer(r"[A-Z][\w'’&-]*", phrase))[-1]
                results.append(self._result("LOCATION", m.start(1), m.start(1) + last.end(), 0.45))
            for m in _PLACE.finditer(text):
                place = m.group(1)
                head = place.split()[0]
                if head.casefold() in CALENDAR_WORDS or head.casefold() in _ROLE_WORDS or head in CONTENT_ALLOW_LIST:
                    continue
                if head.casefold() in ranks or head.casefold() in firsts:
                    continue  # an English word ("to Reading", "(Confidence") or a first name (the NER's and gazetteer's)
                results.append(self._result("LOCATION", m.start(1), m.end(1), 0.4))
            for m in _EX_ORG.finditer(text):
                group = 1 if m.group(1) else 2
                if m.group(group).casefold() in vocabulary and not m.group(group)[:1].isupper():
                    continue
                results.append(self._result("ORGANIZATION", m.start(group), m.end(group), 0.45))
            for m in _TITLED.finditer(text):
                titled = m.group(1).split()
                keep = [w for w in titled if w.casefold() not in stop and w.casefold() not in _ROLE_WORDS]
                if keep and keep == titled[: len(keep)]:
                    end = m.start(1) + len(" ".join(keep)) if len(keep) == len(titled) else m.start(1) + m.group(1).find(keep[-1]) + len(keep[-1])
                    results.append(self._result("PERSON", m.start(1), end, 0.5))
            for m in _ORG_SUFFIX.finditer(text):
                head = m.group(1).split()[0].casefold()
                if head not in stop and head not in _ROLE_WORDS and head not in CALENDAR_WORDS:
                    results.append(self._result("ORGANIZATION", m.start(1), m.end(1), 0.5))
            for m in _LABELLED_ORG.finditer(text):
                value = m.group(1).rstrip()
                if value:
                    results.append(self._result("ORGANIZATION", m.start(1), m.start(1) + len(value), 0.5))
            return results

        def _result(self, entity: str, start: int, end: int, score: float) -> RecognizerResult:
            return RecognizerResult(
                entity, start, end, score,
                recognition_metadata={
                    RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                    RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
                },
            )

    return ContextRecognizer(supported_entities=["PERSON", "LOCATION", "ORGANIZATION"], name="ContextRecognizer", supported_language="en")
