"""Text normalisation with offsets: fold a text for matching and map every match back to the original.

Folding removes zero-width and other invisible format characters, strips accents (NFKD without
combining marks) and casefolds, so "Gráinne", "GRAINNE" and "Grá\u200binne" all fold to "grainne".
Each folded character remembers the index of the original character it came from.
"""

from __future__ import annotations

import unicodedata

#: Invisible characters that can hide inside a name without changing how it reads.
INVISIBLE = {"\u00ad", "\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u2060", "\u2061", "\u2062", "\u2063", "\ufeff"}


def _is_invisible(ch: str) -> bool:
    return ch in INVISIBLE or (unicodedata.category(ch) == "Cf")


def normalise(text: str, *, fold: bool) -> tuple[str, list[int]]:
    """Return (normalised text, index map).

    ``index_map[i]`` is the index in ``text`` of the character that produced normalised char ``i``;
    the map has one extra sentinel entry equal to ``len(text)``. With ``fold=False`` only invisible
    characters are removed (for the NER, which needs case); with ``fold=True`` accents and case go too.
    """
    if text.isascii():
        # The common case, and ~100x faster: ASCII has no accents and no invisible format characters
        # (only control characters, which are kept), and lower() is casefold() for ASCII.
        return (text.lower() if fold else text), list(range(len(text) + 1))
    out: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        if ch < "\x80":
            out.append(ch.lower() if fold else ch)
            index.append(i)
            continue
        if _is_invisible(ch):
            continue
        if fold:
            decomposed = unicodedata.normalize("NFKD", ch)
            piece = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
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
