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
from reflect.core.redaction.text import HYPHENS, fold, normalise, span_back

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

#: Where a map entry came from.
ROSTER, LEARNED, SEEN, IGNORED = "roster", "learned", "seen", "ignored"
IGNORE_TYPE = "IGNORE"

_NAME_WORD = re.compile(r"[^\W\d_]+(?:['-][^\W\d_]+)*\.?")


class MapEntry(NamedTuple):
    """One row of a client's pseudonym map."""

    type: str
    key: str
    """The folded surface form: what matching compares."""
    surface: str
    placeholder: str
    origin: str = LEARNED
    """``roster``: registered by the coach, matched in every case (a function word only when
    capitalised). ``learned``: found by the detector with evidence that holds up (a capitalised name
    that is not an everyday word), matched in later notes (a common word only when capitalised).
    ``seen``: found by the detector on weaker evidence ("Spoke", "w/", "Jan"): it keeps its placeholder
    if the detector finds it again, but is never matched on its own. ``ignored``: the coach said it is
    not a name (type ``IGNORE``): never matched, never learned, and the detector's finding is dropped."""
    part: bool = False
    """A form derived from a name rather than typed or found whole: a part of a multi-word name
    ("Price" of "Mark Price"), an initial form, an organisation's first word. A part that is an
    everyday word matches only when capitalised ("prices rose" stays)."""


def _name_parts(name: str) -> list[str]:
    """The words of a multi-word name that are themselves names: brackets and quotes around a word go
    ("Rebecca (Bex) Hartley" -> "Bex"), and a part needs two characters and a letter ("[x]", "7" and
    "J." are no parts)."""
    parts = [p.strip("[](){}<>\"'“”‘’,;:!?") for p in re.split(r"[\s.]+", name)]
    # A hyphenated surname's halves are parts too ("O'Neill-Hart": "O'Neill", "Hart").
    parts += [half for p in parts if "-" in p for half in p.split("-")]
    return list(dict.fromkeys(p for p in parts if len(p) >= 2 and any(ch.isalpha() for ch in p)))


def _canon(folded: str) -> str:
    """A folded surface without spaces, apostrophes and hyphens: "o'brien", "o brien" and "obrien" are one."""
    return re.sub(r"[\s'-]+", "", folded)


def _key_pattern(key: str, plural: bool) -> str:
    """A regex for a folded key that tolerates how names get typed: an apostrophe may be missing, or
    followed or replaced by a space ("obrien", "o brien", "o' brien"), a hyphen may be a space, missing,
    doubled or broken across a line ("jean luc", "jeanluc", "jean - luc", "jean-\nluc"), parts may be
    split by any whitespace (a line break), and a plural ("the O'Briens") is part of the match."""
    parts = []
    for part in key.split():
        piece = ""
        for ch in part:
            if ch == "'":
                piece += r"(?:'\s?|\s)?"
            elif ch == "-":
                piece += r"(?:\s*-+\s*|\s+)?"
            else:
                piece += re.escape(ch)
        parts.append(piece)
    body = r"\s+".join(parts)
    return body + ("(?:e?s)?" if plural else "")


@dataclass
class PseudonymMap:
    """One client's map from identifier surfaces (folded) to placeholders. Never leaves the machine
    and never reaches the model; only placeholders do."""

    rows: list[MapEntry] = field(default_factory=list)
    new_rows: list[MapEntry] = field(default_factory=list)
    """Rows learned since loading, to be stored with the note that taught them."""
    changed_rows: list[tuple[MapEntry, MapEntry]] = field(default_factory=list)
    """(stored row, its new form) for rows re-pointed or merged since loading."""
    removed_rows: list[MapEntry] = field(default_factory=list)
    """Stored rows to delete."""

    def __post_init__(self) -> None:
        self.rows = [MapEntry(*row) for row in self.rows]
        self._reindex()

    def _reindex(self) -> None:
        self._by_key: dict[str, MapEntry] = {}
        self._by_canon: dict[str, MapEntry] = {}
        self._display: dict[str, str] = {}
        self._display_origin: dict[str, str] = {}
        self._ignored: set[str] = set()
        for row in self.rows:
            self._index(row)
        self._pattern: re.Pattern[str] | None = None

    def _index(self, row: MapEntry) -> None:
        if row.origin == IGNORED:
            self._ignored.add(row.key)
            return
        self._by_key.setdefault(row.key, row)
        if row.origin in (ROSTER, LEARNED):
            self._by_canon.setdefault(_canon(row.key), row)
        # What the coach's screen shows for a placeholder: the first roster form, else the first form seen.
        if row.placeholder not in self._display or (row.origin == ROSTER and self._display_origin[row.placeholder] != ROSTER):
            self._display[row.placeholder] = row.surface
            self._display_origin[row.placeholder] = row.origin

    def lookup(self, key: str) -> tuple[str, str] | None:
        """(type, placeholder) for a folded key, if the map knows it."""
        row = self._by_key.get(key)
        return (row.type, row.placeholder) if row else None

    def entry(self, key: str) -> MapEntry | None:
        return self._by_key.get(key)

    def matched_entry(self, matched: str) -> MapEntry | None:
        """The entry a match of ``matcher()`` stands for (the match may be "o brien" or a plural)."""
        canon = _canon(matched)
        found = self._by_canon.get(canon)
        if found is None and canon.endswith("s"):
            found = self._by_canon.get(canon[:-1]) or (self._by_canon.get(canon[:-2]) if canon.endswith("es") else None)
        return found

    def ignored(self, key: str) -> bool:
        return key in self._ignored

    def add(self, type_: str, surface: str, placeholder: str, *, key: str | None = None, origin: str = LEARNED, part: bool = False) -> None:
        key = key if key is not None else fold(surface)
        # A key needs two letters or digits: punctuation alone ("--") would match everywhere.
        if len(_canon(key)) < 2 or not re.search(r"[^\W_]", key) or key in self._by_key or key in self._ignored:
            return
        row = MapEntry(type_, key, surface, placeholder, origin, part)
        self.rows.append(row)
        self.new_rows.append(row)
        self._index(row)
        self._pattern = None

    def allocate(self, label: str) -> str:
        """A fresh placeholder of this label: one more than the highest number ever in use."""
        prefix = f"[{label}_"
        used = [int(r.placeholder[len(prefix) : -1]) for r in self.rows if r.placeholder.startswith(prefix)]
        return f"{prefix}{max(used, default=0) + 1}]"

    def learn(self, label: str, surface: str, placeholder: str, origin: str = LEARNED, credible=None) -> None:
        """Remember an identifier, and for a multi-word person name its parts too. ``credible`` (a
        function of one word) decides which learned parts are matched later; the others are ``seen``."""
        self.add(label, surface, placeholder, origin=origin)
        if label == "PERSON":
            # Numbers are no name parts: a coach who calls a client "Client 7" does not want every 7 redacted.
            parts = _name_parts(surface)
            if len(parts) > 1:
                for i, part in enumerate(parts):
                    part_origin = origin if origin != LEARNED or credible is None or credible(part) else SEEN
                    # The given name stays a full form (lower-case shorthand writes "w/ john", "mark said");
                    # later parts that are everyday words ("Price", "Long") match only capitalised.
                    self.add(label, part, placeholder, origin=part_origin, part=i > 0)
                # "M. Gonzalez", "M Gonzalez": an initial with the surname.
                self.add(label, f"{parts[0][0]}. {parts[-1]}", placeholder, origin=origin, part=True)
                self.add(label, f"{parts[0][0]} {parts[-1]}", placeholder, origin=origin, part=True)

    def _replace(self, old: MapEntry, new: MapEntry) -> None:
        self.rows[self.rows.index(old)] = new
        if old in self.new_rows:
            self.new_rows[self.new_rows.index(old)] = new
        else:
            self.changed_rows.append((old, new))

    def register(self, label: str, name: str, aliases: Iterable[str] = (), placeholder: str | None = None,
                 short_forms: Iterable[str] = ()) -> str:
        """Put a roster entry on the map: the name, its parts, "M. Gonzalez" and every alias, all under
        one placeholder, so one person never gets two. The placeholder is the name's if the map knows
        it, else one the map learned for a part or alias of it ("Niamh" before "Niamh O'Brien" was on
        the roster), else a new one. Forms the map had learned are taken over by the roster entry
        (re-pointed and made roster entries); another roster entry's forms are left alone (a sister
        shares the client's surname). Returns the placeholder."""
        name_key = fold(name)
        forms = [name_key, *(fold(a) for a in aliases)]
        parts = [fold(p) for p in _name_parts(name)] if label == "PERSON" else []
        initials = [f"{parts[0][0]}. {parts[-1]}", f"{parts[0][0]} {parts[-1]}"] if len(parts) > 1 else []
        words = {w for f in forms for w in re.split(r"[\s-]+", f) if w} | set(parts)

        def same_person(other: str) -> bool:
            """A learned entry is this person's only if none of its full names has a word this name
            lacks: "Niamh" or "Niamh Walsh" join "Niamh Walsh-Byrne"; "Raj Patel" never joins "Raj Zephyrine"."""
            full = [r.key for r in self.rows if r.placeholder == other and " " in r.key and not r.part]
            return all(set(re.split(r"[\s-]+", k)) <= words for k in full)

        if placeholder is None:
            for key in [*forms, *parts]:
                row = self._by_key.get(key)
                if (row is not None and (row.origin != ROSTER or key == name_key) and row.placeholder != CLIENT_PLACEHOLDER
                        and same_person(row.placeholder)):
                    placeholder = row.placeholder
                    break
            else:
                placeholder = self.allocate(label)
        for key in dict.fromkeys([*forms, *parts, *initials]):
            if key in self._ignored:
                self.unignore(key)
            row = self._by_key.get(key)
            if row is not None and row.origin != ROSTER and (row.placeholder == placeholder or same_person(row.placeholder)):
                self._replace(row, row._replace(type=label, placeholder=placeholder, origin=ROSTER, part=key in parts[1:] or key in initials))
        self._reindex()
        self.learn(label, name, placeholder, origin=ROSTER)
        for alias in aliases:
            self.add(label, alias, placeholder, origin=ROSTER)
        for form in short_forms:
            self.add(label, form, placeholder, origin=ROSTER, part=True)
        return placeholder

    def ignore(self, key: str) -> list[MapEntry]:
        """The coach says a learned form is not a name: its entries (every type) leave the map and the
        key is never learned again for this client. Returns the entries removed. Roster entries are the
        coach's own and are removed from the roster instead."""
        key = fold(key)
        gone = [r for r in self.rows if r.key == key and (r.origin in (LEARNED, SEEN) or (r.origin == ROSTER and r.part))]
        # A multi-word form takes its parts (and "S. Daily" forms) learned with it along.
        placeholders = {r.placeholder for r in gone}
        words = set(key.split())
        parts = [
            r for r in self.rows
            if r.placeholder in placeholders and r.origin in (LEARNED, SEEN) and r not in gone
            and (r.key in words or (len(r.key.split()) == 2 and r.key.split()[1] in words and len(r.key.split()[0].rstrip(".")) == 1))
        ]
        for row in [*gone, *parts]:
            self.rows.remove(row)
            if row in self.new_rows:
                self.new_rows.remove(row)
            else:
                self.removed_rows.append(row)
        for word in dict.fromkeys([key, *(r.key for r in parts if r.key in words)]):
            if word not in self._ignored:
                row = MapEntry(IGNORE_TYPE, word, word, "", IGNORED)
                self.rows.append(row)
                self.new_rows.append(row)
                self._ignored.add(word)
        self._reindex()
        return [*gone, *parts]

    def unignore(self, key: str) -> None:
        for row in [r for r in self.rows if r.key == key and r.origin == IGNORED]:
            self.rows.remove(row)
            self.removed_rows.append(row)
        self._reindex()

    def merge(self, source: str, target: str) -> int:
        """Two placeholders that are one person: every entry of ``source`` moves to ``target``.
        Returns the number of entries moved."""
        moved = 0
        target_type = next((r.type for r in self.rows if r.placeholder == target), None)
        for row in list(self.rows):
            if row.placeholder == source:
                self._replace(row, row._replace(placeholder=target, type=target_type or row.type))
                moved += 1
        self._reindex()
        return moved

    def matcher(self) -> re.Pattern[str]:
        """One regex over folded text matching every roster and learned key as a whole word."""
        if self._pattern is None:
            rows = sorted((r for r in self._by_key.values() if r.origin in (ROSTER, LEARNED)), key=lambda r: len(r.key), reverse=True)
            common = common_words()

            def pattern(r: MapEntry) -> str:
                return _key_pattern(r.key, plural=len(r.key) >= 3 and r.key not in common and r.key[-1].isalpha())

            # A distinctive name is caught glued to digits, an underscore or an @ ("@zorbik",
            # "zorbik_lant", "Zorbik2025"); a short or common one only as a whole word.
            # Longest first across both kinds, so "jean-luc" wins over "jean".
            alternatives = [
                rf"(?<![^\W\d_]){pattern(r)}(?![^\W\d_])"
                if len(_canon(r.key)) >= 5 and r.key not in common and " " not in r.key
                else rf"(?<![\w@]){pattern(r)}(?![\w@])"
                for r in rows
            ]
            self._pattern = re.compile("|".join(alternatives) if alternatives else r"(?!x)x")
        return self._pattern

    def reidentify(self, text: str) -> str:
        """Put real names back for the coach's screen; unknown placeholders stay as they are."""
        return PLACEHOLDER_RE.sub(lambda m: self._display.get(m.group(0), m.group(0)), text)

    def display(self, placeholder: str) -> str | None:
        return self._display.get(placeholder)

    def placeholders(self) -> set[str]:
        """Every placeholder this map can put in a text (for validating model output)."""
        return set(self._display) | {CLIENT_PLACEHOLDER}

    @property
    def dirty(self) -> bool:
        """True when the map changed since it was loaded (and the store should hear of it)."""
        return bool(self.new_rows or self.changed_rows or self.removed_rows)

    def copy(self) -> "PseudonymMap":
        return PseudonymMap(rows=list(self.rows))


_HYPHEN_CHARS = "-" + HYPHENS
_BEFORE_HYPHEN = re.compile(rf"([^\W\d_]+)[{_HYPHEN_CHARS}]$")
_AFTER_HYPHEN = re.compile(rf"[{_HYPHEN_CHARS}]([^\W\d_]+)")


class RedactionGate:
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
    def _join_address_blocks(cls, text: str, merged: list[list]) -> list[list]:
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
