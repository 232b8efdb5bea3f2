"""One client's pseudonym map: which identifier surfaces (folded) stand for which placeholder.

Owns the placeholders (``[CLIENT]``, ``PLACEHOLDER_RE``), where a map entry came from (``ROSTER``,
``LEARNED``, ``SEEN``, ``IGNORED``), the ``MapEntry`` row, and ``PseudonymMap``: registering roster
names with their parts and aliases, learning, ignoring and merging entries, the one regex that finds
every known name in folded text, and re-identification for the coach's screen. The map never leaves
the machine and never reaches the model; only placeholders do.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from reflect.core.domain import PLACEHOLDER_RE
from reflect.core.redaction.text import fold
from reflect.core.redaction.words import common_words

CLIENT_PLACEHOLDER = "[CLIENT]"

#: Where a map entry came from.
ROSTER, LEARNED, SEEN, IGNORED = "roster", "learned", "seen", "ignored"
IGNORE_TYPE = "IGNORE"


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
    first = parts[0] if parts else ""
    # A hyphenated surname's halves are parts too ("O'Neill-Hart": "O'Neill", "Hart").
    parts += [half for p in parts if "-" in p for half in p.split("-")]
    # A particle inside a name ("Al" of "Fatima Al-Sayed", "bin", "van") is no name on its own: as a
    # part it would take "Eid al-Adha" for the client. It stays a part when it opens the name ("Al Gore").
    return list(dict.fromkeys(
        p for p in parts if len(p) >= 2 and any(ch.isalpha() for ch in p) and (p.lower() not in NAME_PARTICLES or p == first)
    ))


#: Words that join a name without being one (Arabic, Hebrew, Dutch, German, Romance particles).
NAME_PARTICLES = frozenset("al el ul bin ibn bint abu ben ould da das de del della der di do dos du la le van von ter ten".split())


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

    def learn(self, label: str, surface: str, placeholder: str, origin: str = LEARNED, credible: Callable[[str], bool] | None = None) -> None:
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
