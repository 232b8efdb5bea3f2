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


def trend(present: list[bool]) -> str:
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
                trend=trend(present),
            )
        )
    themes.sort(key=lambda th: (-len(th.sessions), -sum(th.strengths)))
    return themes


def cluster(vectors: np.ndarray, threshold: float) -> np.ndarray:
    """Average-linkage agglomerative clustering on cosine similarity, stopping when the most similar
    pair of clusters is below ``threshold``. Returns a cluster label per row. O(n²) memory, vectorised
    merges: ~0.1 s for 700 passages."""
    n = len(vectors)
    labels = np.arange(n)
    if n < 2:
        return labels
    sims = (vectors @ vectors.T).astype(np.float64)
    np.fill_diagonal(sims, -np.inf)
    sizes = np.ones(n)
    for _ in range(n - 1):
        flat = int(np.argmax(sims))
        i, j = divmod(flat, n)
        if sims[i, j] < threshold:
            break
        merged = (sizes[i] * sims[i] + sizes[j] * sims[j]) / (sizes[i] + sizes[j])
        sims[i], sims[:, i] = merged, merged
        sims[i, i] = -np.inf
        sims[j], sims[:, j] = -np.inf, -np.inf
        sizes[i] += sizes[j]
        labels[labels == j] = i
    return labels


_KEYPHRASE_STOP = set(
    """a about after again all also am an and any are as at be because been before being but by can could did do
    does doing down during each even feel feeling felt few for from get got had has have having he her here hers him
    his how i if in into is it its just know like me more most my no not now of off on once only or other our out
    over own really same she should so some such than that the their them then there these they this those through
    to too up very want was we were what when where which while who why will with would you your im ive dont cant
    session client coach week weeks time things thing said says told going""".split()
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


def emergent_themes(
    notes: list[Note],
    passages: list[Passage],
    vectors: np.ndarray,
    threshold: float = 0.3,
    min_sessions: int = 2,
) -> list[Theme]:
    """Themes the taxonomy does not name: clusters of passages that recur across sessions, labelled
    with their keyphrases."""
    if len(passages) < 2:
        return []
    labels = cluster(vectors, threshold)
    order = {note.id: i for i, note in enumerate(notes)}
    dates = {note.id: note.date.isoformat() for note in notes}
    themes = []
    for label in np.unique(labels):
        rows = np.flatnonzero(labels == label)
        sessions = sorted({passages[i].note_id for i in rows}, key=lambda nid: order[nid])
        if len(sessions) < min_sessions:
            continue
        # A cluster present in nearly every session is the client's background, not a theme.
        if len(notes) >= 4 and len(sessions) > 0.75 * len(notes):
            continue
        centroid = vectors[rows].mean(axis=0)
        centroid /= max(float(np.linalg.norm(centroid)), 1e-9)
        closeness = vectors[rows] @ centroid
        per_session: dict[int, float] = {}
        for i, c in zip(rows, closeness):
            per_session[passages[i].note_id] = max(per_session.get(passages[i].note_id, 0.0), float(c))
        inside = [passages[i].text for i in rows]
        outside = [p.text for k, p in enumerate(passages) if labels[k] != label]
        words = keyphrases(inside, outside)
        if len(words) < 2:
            continue  # nothing the passages share in words: no label a coach could read
        best = sorted(rows, key=lambda i: -float(vectors[i] @ centroid))
        evidence, seen = [], set()
        for i in best:
            if passages[i].note_id not in seen:
                seen.add(passages[i].note_id)
                evidence.append(Evidence(passages[i].note_id, dates[passages[i].note_id], quote(passages[i].text)))
            if len(evidence) == 3:
                break
        present = [note.id in per_session for note in notes]
        themes.append(
            Theme(
                label=" / ".join(words) if words else "unnamed theme",
                description="emergent: passages that recur across sessions, labelled by their keyphrases",
                sessions=[Evidence(nid, dates[nid], "") for nid in sessions],
                strengths=[round(per_session[nid], 3) for nid in sessions],
                evidence=evidence,
                trend=trend(present),
                keyphrases=words,
            )
        )
    return themes


def combine(taxonomy_themes: list[Theme], emergent: list[Theme], overlap: float = 0.6) -> list[Theme]:
    """Taxonomy themes, plus emergent ones that do not repeat a taxonomy theme's sessions."""
    out = list(taxonomy_themes)
    for theme in emergent:
        ids = {s.note_id for s in theme.sessions}
        if all(len(ids & {s.note_id for s in t.sessions}) / len(ids | {s.note_id for s in t.sessions}) < overlap for t in out):
            out.append(theme)
    out.sort(key=lambda th: (-len(th.sessions), -sum(th.strengths)))
    return out
