"""Recurring themes over a client's sessions (first version: taxonomy matching at passage level).

Each passage of a client's redacted notes is compared with every theme of the coach-editable taxonomy
(``prompts/themes.toml``) by embedding similarity. A passage counts for a theme when the similarity
clears a threshold and is close to that passage's best match, so a note about three things counts for
three themes. A theme *recurs* when it appears in at least two sessions. Pure numpy over vectors the
caller supplies; no model is loaded here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from reflect.core.domain import Evidence, Note, Passage, Theme
from reflect.core.prompts import TaxonomyTheme

#: Minimum cosine similarity between a passage and a theme's closest phrase (MiniLM scale).
THRESHOLD = 0.33
#: A passage also counts for a theme within this margin of its best theme.
MARGIN = 0.04
EVIDENCE_CHARS = 180


@dataclass(frozen=True)
class ThemeParams:
    threshold: float = THRESHOLD
    margin: float = MARGIN
    min_sessions: int = 2


def theme_phrases(taxonomy: list[TaxonomyTheme]) -> tuple[list[str], np.ndarray]:
    """Each theme's label and the comma-separated phrases of its description, with their owner index.

    A passage is compared with every phrase and keeps its best match per theme: short phrases match
    short passages far better than one long description does."""
    phrases: list[str] = []
    owner: list[int] = []
    for k, theme in enumerate(taxonomy):
        parts = [theme.label] + [x.strip() for x in re.split(r"[,;.]", theme.description) if len(x.strip()) > 3]
        phrases.extend(parts)
        owner.extend([k] * len(parts))
    return phrases, np.asarray(owner)


def similarity(passage_vectors: np.ndarray, phrase_vectors: np.ndarray, owner: np.ndarray, themes: int) -> np.ndarray:
    """(passages, themes) matrix: for each theme, the best similarity over its phrases."""
    sims = passage_vectors @ phrase_vectors.T
    return np.stack([sims[:, owner == k].max(axis=1) for k in range(themes)], axis=1)


def trend(present: list[bool], strengths: list[float]) -> str:
    """new, rising, steady, fading or resolved, from presence per session (oldest first)."""
    n = len(present)
    idx = [i for i, p in enumerate(present) if p]
    if not idx:
        return "resolved"
    first, last = idx[0], idx[-1]
    if last < n - 3:
        return "resolved"
    if first >= n - 3 and n > 3:
        return "new"
    if last < n - 1:
        return "fading"
    half = n // 2
    early = sum(present[:half]) / max(1, half)
    late = sum(present[half:]) / max(1, n - half)
    # Present in the latest session: rising when it shows up clearly more often lately.
    if late > early + 0.25:
        return "rising"
    return "steady"


def quote(text: str, limit: int = EVIDENCE_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def find_themes(
    notes: list[Note],
    passages: list[Passage],
    sims: np.ndarray,
    taxonomy: list[TaxonomyTheme],
    params: ThemeParams = ThemeParams(),
) -> list[Theme]:
    """Recurring themes, strongest first. ``notes`` are the client's sessions, oldest first;
    ``sims`` is the (passages, themes) similarity matrix from ``similarity``."""
    if not notes or not passages or not taxonomy:
        return []
    best = sims.max(axis=1, keepdims=True)
    assigned = (sims >= params.threshold) & (sims >= best - params.margin)
    order = {note.id: i for i, note in enumerate(notes)}
    dates = {note.id: note.date.isoformat() for note in notes}
    themes: list[Theme] = []
    for t, taxon in enumerate(taxonomy):
        rows = [i for i in np.flatnonzero(assigned[:, t]) if passages[i].note_id in order]
        per_session: dict[int, float] = {}
        for i in rows:
            nid = passages[i].note_id
            per_session[nid] = max(per_session.get(nid, 0.0), float(sims[i, t]))
        if len(per_session) < params.min_sessions:
            continue
        session_ids = sorted(per_session, key=lambda nid: order[nid])
        present = [note.id in per_session for note in notes]
        strengths_all = [per_session.get(note.id, 0.0) for note in notes]
        evidence_rows = sorted(rows, key=lambda i: -float(sims[i, t]))
        evidence: list[Evidence] = []
        seen: set[int] = set()
        for i in evidence_rows:
            if passages[i].note_id in seen:
                continue
            seen.add(passages[i].note_id)
            evidence.append(Evidence(passages[i].note_id, dates[passages[i].note_id], quote(passages[i].text)))
            if len(evidence) == 3:
                break
        themes.append(
            Theme(
                label=taxon.label,
                description=taxon.description,
                sessions=[Evidence(nid, dates[nid], "") for nid in session_ids],
                strengths=[round(per_session[nid], 3) for nid in session_ids],
                evidence=evidence,
                trend=trend(present, strengths_all),
            )
        )
    themes.sort(key=lambda th: (-len(th.sessions), -sum(th.strengths)))
    return themes
