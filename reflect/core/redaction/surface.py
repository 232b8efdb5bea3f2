"""The names as the coach wrote them, put back into a quote from one note.

The map re-identifies a placeholder by the person's display name, so "Bex (Rebecca Hartley)" in a note
would come back as "Rebecca Hartley (Rebecca Hartley)". A quote is the coach's exact words: for a quote
of a known note, each placeholder is given the surface form that stood there in the original. The
original and redacted texts differ only where a name was replaced, so walking the literal text between
placeholders finds each surface; a surface is used only when it is one of the forms the map holds for
that placeholder (anything that does not align falls back to the display name, never to other text).
"""

from __future__ import annotations

import re

from reflect.core.domain import PLACEHOLDER_RE
from reflect.core.redaction.text import fold


def _squash(text: str) -> str:
    return " ".join(text.split())


def surface_forms(original: str, redacted: str) -> list[tuple[str, str | None]]:
    """For each placeholder of ``redacted`` in order: (placeholder, the original text it replaced, or
    None where the two texts do not align). Both are compared with whitespace runs squashed."""
    original, redacted = _squash(original), _squash(redacted)
    marks = list(PLACEHOLDER_RE.finditer(redacted))
    out: list[tuple[str, str | None]] = []
    at = 0  # position in the original
    literal_start = 0
    for k, m in enumerate(marks):
        literal = redacted[literal_start:m.start()]
        if original.startswith(literal, at):
            at += len(literal)
        else:
            return out + [(x.group(0), None) for x in marks[k:]]
        nxt = marks[k + 1].start() if k + 1 < len(marks) else len(redacted)
        following = redacted[m.end():nxt]
        if following:
            end = original.find(following, at + 1)
            if k + 1 == len(marks):
                end = len(original) - len(following) if original.endswith(following) else -1
        else:
            end = -1 if k + 1 < len(marks) else len(original)
        if end <= at:
            return out + [(x.group(0), None) for x in marks[k:]]
        out.append((m.group(0), original[at:end]))
        at = end
        literal_start = m.end()
    return out


def restore(quote: str, original: str, redacted: str, forms: dict[str, set[str]], display: dict[str, str]) -> str:
    """``quote`` (a piece of ``redacted``, perhaps ending in "…") with each placeholder replaced by the
    surface written at that place, when it is one of ``forms[placeholder]`` (folded); else by
    ``display[placeholder]``; a placeholder neither knows stays as it is. Sentences of the note joined
    (an extractive recap) are each restored where they stand in the note (the first place, if the note
    says the same sentence twice); the note is aligned once per call."""
    def canonical(m: re.Match[str]) -> str:
        return display.get(m.group(0), m.group(0))

    squashed = _squash(redacted)
    surfaces: list[tuple[str, str | None]] | None = None

    def placed(piece: str) -> str | None:
        nonlocal surfaces
        head = _squash(piece).rstrip("….!?").rstrip()
        at = squashed.find(head) if head else -1
        if at < 0:
            return None
        if surfaces is None:
            surfaces = surface_forms(original, redacted)
        known = surfaces
        before = len(PLACEHOLDER_RE.findall(squashed[:at]))
        counter = iter(range(before, before + len(PLACEHOLDER_RE.findall(piece))))

        def written(m: re.Match[str]) -> str:
            k = next(counter)
            if k < len(known):
                placeholder, surface = known[k]
                if placeholder == m.group(0) and surface is not None and fold(surface) in forms.get(placeholder, set()):
                    return surface
            return canonical(m)

        return PLACEHOLDER_RE.sub(written, piece)

    whole = placed(quote)
    if whole is not None:
        return whole
    pieces = re.split(r"((?<=[.!?])\s+|\n+)", quote)
    if len(pieces) > 1 and len(pieces) <= 400:
        return "".join(p if not p.strip() else (placed(p) or PLACEHOLDER_RE.sub(canonical, p)) for p in pieces)
    return PLACEHOLDER_RE.sub(canonical, quote)
