"""Text normalisation with offsets: fold a text for matching and map every match back to the original.

Folding removes zero-width and other invisible format characters (the soft hyphen among them), makes
typographic variants one form — every apostrophe (’ ‘ ʼ ′ ` ´ ＇) becomes ``'``, every hyphen and dash
inside a name (non-breaking hyphen, en dash, minus…) becomes ``-``, every space (no-break, thin,
ideographic…) becomes `` `` — strips accents (NFKD without combining marks, so a precomposed and a
combining "é" are one, and fullwidth letters become ASCII) and casefolds. So "Gráinne", "GRAINNE",
"Grá\u200binne", "O’Brien", "Jean‑Luc" and "ｍａｒｉａ" fold to "grainne", "o'brien", "jean-luc",
"maria". Each folded character remembers the index of the original character it came from.

Without folding (for the NER, which needs case), only the typographic variants are made plain and
invisible characters removed, so spaCy reads "Jean‑Luc" as one hyphenated name.
"""

from __future__ import annotations

import unicodedata

#: Invisible characters that can hide inside a name without changing how it reads.
INVISIBLE = {"\u00ad", "\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u2060", "\u2061", "\u2062", "\u2063", "\ufeff",
             "\u034f", "\u180b", "\u180c", "\u180d", *(chr(c) for c in range(0xFE00, 0xFE10))}
"""(With the combining grapheme joiner and the variation selectors, which draw nothing either.)"""

#: Cyrillic and Greek letters that look like Latin ones, folded to them for matching only (the text
#: itself is never changed): "Ѕunil" with a Cyrillic S is still Sunil.
CONFUSABLES = str.maketrans({
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c", "т": "t",
    "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i", "ј": "j", "ԁ": "d", "ɡ": "g", "һ": "h", "ӏ": "l", "ԛ": "q", "ԝ": "w",
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t", "υ": "u", "χ": "x",
    "ϲ": "c", "ϳ": "j",
})

#: Apostrophe look-alikes a word processor, a phone keyboard or a paste puts in a name.
APOSTROPHES = "\u2019\u2018\u02bc\u2032\u0060\u00b4\uff07\u201b\u02b9\u02bb\u02bd\ua78c\u275b\u275c\u055a\u02c8\u2035"
#: Hyphen and dash look-alikes (the soft hyphen is invisible and simply removed).
HYPHENS = "\u2010\u2011\u2012\u2013\u2014\u2212\ufe63\uff0d\u2043"
#: Spaces other than the ASCII one that can sit between two parts of a name.
SPACES = "\u00a0\u2007\u202f\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2008\u2009\u200a\u205f\u3000"

_PLAIN = {**{ord(c): "'" for c in APOSTROPHES}, **{ord(c): "-" for c in HYPHENS}, **{ord(c): " " for c in SPACES}}


def _is_invisible(ch: str) -> bool:
    return ch in INVISIBLE or (unicodedata.category(ch) == "Cf")


def plain(ch: str) -> str:
    """One typographic variant as its plain ASCII form ("’" -> "'"), else the character itself."""
    return _PLAIN.get(ord(ch), ch)


def normalise(text: str, *, fold: bool) -> tuple[str, list[int]]:
    """Return (normalised text, index map).

    ``index_map[i]`` is the index in ``text`` of the character that produced normalised char ``i``;
    the map has one extra sentinel entry equal to ``len(text)``. With ``fold=False`` only invisible
    characters are removed and typographic variants made plain (for the NER, which needs case); with
    ``fold=True`` accents and case go too.
    """
    if text.isascii():
        # The common case, and ~100x faster: ASCII has no accents and no invisible format characters
        # (only control characters, which are kept), and lower() is casefold() for ASCII. Its one
        # apostrophe look-alike, the backtick, is made plain (same length).
        plain_text = text.replace("`", "'")
        return (plain_text.lower() if fold else plain_text), list(range(len(text) + 1))
    out: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        if ch < "\x80":
            ch = plain(ch)
            out.append(ch.lower() if fold else ch)
            index.append(i)
            continue
        if _is_invisible(ch):
            continue
        ch = plain(ch)
        if fold:
            decomposed = unicodedata.normalize("NFKD", ch)
            piece = "".join(plain(c) for c in decomposed if not unicodedata.combining(c)).casefold().translate(CONFUSABLES)
            if not piece:
                continue
        else:
            piece = ch
        out.append(piece)
        index.extend([i] * len(piece))
    index.append(len(text))
    return "".join(out), index


def fold(text: str) -> str:
    """The folded form of a short string (a name, an alias): the key the pseudonym map uses."""
    return " ".join(normalise(text, fold=True)[0].split())


def span_back(index: list[int], start: int, end: int) -> tuple[int, int]:
    """Map a [start, end) span in normalised text back to the original text."""
    if end <= start:
        return index[start], index[start]
    return index[start], index[end - 1] + 1
