"""Recurring themes over a client's sessions: the coach's taxonomy, and what emerges from the notes.

Two sources, combined (``combine``):

- **Taxonomy.** Each passage of a client's redacted notes is compared with every theme of the
  coach-editable taxonomy (``prompts/themes.toml``) by embedding similarity. A passage counts for a
  theme when the similarity clears a threshold and is close to that passage's best match.
- **Emergent.** The client's sessions are grouped by spherical k-means (scikit-learn; the number of
  groups chosen by silhouette), each group's centre becomes a theme, and passages are assigned to the centres they
  are close to; labels are the group's keyphrases.

Both assign *passages*, so a note about three things counts for three themes. A theme *recurs* when
it appears in at least two sessions. Pure numpy over vectors the caller supplies; no model is loaded
here, and a full recompute for 100 sessions takes well under a second (``benchmarks/themes.py``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from reflect.core.domain import Evidence, Note, Passage, Theme, Trend
from reflect.core.prompts import TaxonomyTheme

#: Minimum cosine similarity between a passage and a theme's closest phrase (MiniLM scale). On the
#: counsel-chat benchmark 0.33 gives 1.4 spurious themes per client, 0.36 gives 1.0, 0.4 gives 0.4 (same
#: recovery); at 0.4 the demo's coaching notes lose most of their themes, so 0.36.
THRESHOLD = 0.36
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
        parts = [theme.label] + [x.strip() for x in re.split(r"[,;.]", theme.description) if len(x.strip()) > 3] + list(theme.examples)
        phrases.extend(parts)
        owner.extend([k] * len(parts))
    return phrases, np.asarray(owner)


def similarity(passage_vectors: np.ndarray, phrase_vectors: np.ndarray, owner: np.ndarray, themes: int) -> np.ndarray:
    """(passages, themes) matrix: for each theme, the best similarity over its phrases."""
    sims = passage_vectors @ phrase_vectors.T
    return np.stack([sims[:, owner == k].max(axis=1) for k in range(themes)], axis=1)


def trend(present: list[bool]) -> Trend:
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


def _strongest_per_session(passages: list[Passage], rows: Iterable[int | np.integer[Any]], scores: np.ndarray) -> dict[int, float]:
    """A theme's strength in each session: its best passage score there."""
    per_session: dict[int, float] = {}
    for i in rows:
        nid = passages[i].note_id
        per_session[nid] = max(per_session.get(nid, 0.0), float(scores[i]))
    return per_session


def _build(label: str, description: str, notes: list[Note], passages: list[Passage], rows: Iterable[int | np.integer[Any]], scores: np.ndarray,
           per_session: dict[int, float], words: list[str] | None = None) -> Theme:
    """A Theme from the passages (``rows``) that carry it: sessions in order with their strength, up to
    three quotes (the best passage of three different sessions) and the trend."""
    order = {note.id: i for i, note in enumerate(notes)}
    dates = {note.id: note.date.isoformat() for note in notes}
    session_ids = sorted(per_session, key=lambda nid: order[nid])
    best_chunk: dict[int, tuple[float, int]] = {}
    for i in rows:
        nid, score = passages[i].note_id, float(scores[i])
        if nid not in best_chunk or score > best_chunk[nid][0]:
            best_chunk[nid] = (score, passages[i].chunk)
    evidence: list[Evidence] = []
    seen: set[int] = set()
    for i in sorted(rows, key=lambda i: -float(scores[i])):
        if passages[i].note_id not in seen:
            seen.add(passages[i].note_id)
            evidence.append(Evidence(passages[i].note_id, dates[passages[i].note_id], quote(passages[i].text), passages[i].chunk))
        if len(evidence) == 6:
            break  # three are kept; the others stand in where another theme already quotes a passage (``distinct_evidence``)
    return Theme(
        label=label,
        description=description,
        sessions=[Evidence(nid, dates[nid], "", best_chunk[nid][1]) for nid in session_ids],
        strengths=[round(per_session[nid], 3) for nid in session_ids],
        evidence=evidence,
        trend=trend([note.id in per_session for note in notes]),
        keyphrases=words or [],
    )


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
    known = {note.id for note in notes}
    themes: list[Theme] = []
    for t, taxon in enumerate(taxonomy):
        rows = [i for i in np.flatnonzero(assigned[:, t]) if passages[i].note_id in known]
        per_session = _strongest_per_session(passages, rows, sims[:, t])
        if len(per_session) >= params.min_sessions:
            themes.append(_build(taxon.label, taxon.description, notes, passages, rows, sims[:, t], per_session))
    themes.sort(key=lambda th: (-len(th.sessions), -sum(th.strengths)))
    return themes


def session_vectors(notes: list[Note], passages: list[Passage], vectors: np.ndarray) -> tuple[list[int], np.ndarray]:
    """Note ids (oldest first) that have passages, and the normalised mean of each one's passage vectors."""
    rows: dict[int, list[int]] = {}
    for i, p in enumerate(passages):
        rows.setdefault(p.note_id, []).append(i)
    ids = [n.id for n in notes if n.id in rows]
    if not ids:
        return [], np.zeros((0, vectors.shape[1] if vectors.ndim == 2 else 0), np.float32)
    means = np.stack([vectors[rows[i]].mean(axis=0) for i in ids])
    return ids, means / np.maximum(np.linalg.norm(means, axis=1, keepdims=True), 1e-9)


def cluster(vectors: np.ndarray, k: int, seed: int = 0) -> np.ndarray:
    """Spherical k-means: scikit-learn's k-means on unit vectors (so closeness is cosine), several
    seeded starts, deterministic for given input."""
    from sklearn.cluster import KMeans

    return np.asarray(KMeans(n_clusters=k, n_init=8, random_state=seed).fit_predict(vectors))


def silhouette(vectors: np.ndarray, labels: np.ndarray) -> float:
    """Mean silhouette under cosine distance (scikit-learn), 0 for fewer than two clusters."""
    from sklearn.metrics import silhouette_score

    if len(set(labels.tolist())) < 2 or len(set(labels.tolist())) >= len(vectors):
        return 0.0
    return float(silhouette_score(vectors, labels, metric="cosine"))


_KEYPHRASE_STOP = set(
    """a about after again all also am an and any are as at be because been before being but by can could did do
    does doing down during each even feel feeling felt few for from get got had has have having he her here hers him
    his how i if in into is it its just know like me more most my no not now of off on once only or other our out
    over own really same she should so some such than that the their them then there these they this those through
    to too up very want was we were what when where which while who why will with would you your im ive dont cant
    session client coach week weeks time things thing said says told going need needs needed make makes made
    take takes took help helps think thinks thought next still much many lot lots able first last back around
    something anything everything nothing someone anyone everyone always never maybe perhaps today tomorrow
    yesterday month months year years day days herself himself themselves myself yourself itself""".split()
)


def keyphrases(texts: list[str], background: list[str], k: int = 3) -> list[str]:
    """The words most characteristic of ``texts`` against the client's other passages (TF-IDF-like)."""
    def words(t: str) -> list[str]:
        return [w for w in re.findall(r"[a-z][a-z'-]{3,}", PLACEHOLDERS.sub(" ", t).lower()) if w not in _KEYPHRASE_STOP]

    inside: dict[str, int] = {}
    for t in texts:
        for w in set(words(t)):
            inside[w] = inside.get(w, 0) + 1
    outside: dict[str, int] = {}
    for t in background:
        for w in set(words(t)):
            outside[w] = outside.get(w, 0) + 1
    scored = sorted(inside, key=lambda w: (-(inside[w] / len(texts)) / (1 + outside.get(w, 0) / max(1, len(background))), w))
    return [w for w in scored if inside[w] >= 2][:k]


PLACEHOLDERS = re.compile(r"\[(?:CLIENT|[A-Z]+_\d+)\]")


@dataclass(frozen=True)
class EmergentParams:
    max_themes: int = 8
    """At most this many emergent themes, and at most one per three sessions."""
    min_silhouette: float = 0.08
    """Below this, the sessions do not fall into groups at all: no emergent theme is claimed."""
    floor: float = 0.2
    """A passage counts for a theme only with at least this similarity to the theme's centre..."""
    margin: float = 0.05
    """...and within this margin of its best theme, so one passage can carry two close themes."""
    min_sessions: int = 2


def emergent_themes(notes: list[Note], passages: list[Passage], vectors: np.ndarray, params: EmergentParams = EmergentParams()) -> list[Theme]:
    """Themes found in the client's own sessions, named by their keyphrases.

    The sessions (mean passage vectors) are grouped by spherical k-means, with the number of groups
    chosen by silhouette; each group's centre is a theme. Then every *passage* is assigned to the
    centres it is close to, so a note about three things counts for three themes. A theme recurs when
    its passages come from at least two sessions; one whose passages share no readable words is dropped.
    """
    ids, sessions = session_vectors(notes, passages, vectors)
    top = min(params.max_themes, len(ids) // 3)
    if top < 2:
        return []
    best: tuple[float, np.ndarray, int] | None = None
    for k in range(2, top + 1):
        labels = cluster(sessions, k)
        score = silhouette(sessions, labels)
        if best is None or score > best[0]:
            best = (score, labels, k)
    assert best is not None  # top >= 2, so the loop ran
    if best[0] < params.min_silhouette:
        return []
    _, labels, k = best
    centres = np.stack([sessions[labels == j].mean(axis=0) for j in range(k) if (labels == j).any()])
    centres /= np.maximum(np.linalg.norm(centres, axis=1, keepdims=True), 1e-9)
    closeness = vectors @ centres.T
    assigned = (closeness >= params.floor) & (closeness >= closeness.max(axis=1, keepdims=True) - params.margin)
    themes = []
    for j in range(len(centres)):
        rows = np.flatnonzero(assigned[:, j])
        per_session = _strongest_per_session(passages, rows, closeness[:, j])
        if len(per_session) < params.min_sessions:
            continue
        inside = [passages[i].text for i in rows]
        outside = [p.text for i, p in enumerate(passages) if not assigned[i, j]]
        words = keyphrases(inside, outside)
        if len(words) < 2:
            continue  # nothing the passages share in words: no label a coach could read
        description = "emergent: what this client's sessions return to, named by its keyphrases"
        themes.append(_build(" / ".join(words), description, notes, passages, rows, closeness[:, j], per_session, words))
    return themes


def combine(taxonomy_themes: list[Theme], emergent: list[Theme], overlap: float = 0.6) -> list[Theme]:
    """Taxonomy themes, plus emergent ones that do not repeat a taxonomy theme's sessions."""
    out = list(taxonomy_themes)
    for theme in emergent:
        ids = {s.note_id for s in theme.sessions}
        if all(len(ids & {s.note_id for s in t.sessions}) / len(ids | {s.note_id for s in t.sessions}) < overlap for t in out):
            out.append(theme)
    out.sort(key=lambda th: (-len(th.sessions), -sum(th.strengths)))
    return distinct_evidence(out)


def distinct_evidence(themes: list[Theme], keep: int = 3) -> list[Theme]:
    """Up to ``keep`` quotes per theme, strongest theme first, none quoting a passage an earlier theme
    already quotes: one passage is not shown as the evidence for several themes (a theme left with no
    passage of its own keeps its best one)."""
    used: set[tuple[int, int]] = set()
    for theme in themes:
        own = [ev for ev in theme.evidence if (ev.note_id, ev.chunk) not in used]
        theme.evidence = (own or theme.evidence[:1])[:keep]
        used.update((ev.note_id, ev.chunk) for ev in theme.evidence)
    return themes
