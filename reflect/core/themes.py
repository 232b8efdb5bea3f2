"""Recurring themes over a client's sessions: the coach's taxonomy, and what emerges from the notes.

Two sources, combined (``combine``):

- **Taxonomy.** Each passage of a client's redacted notes is compared with every theme of the
  coach-editable taxonomy (``prompts/themes.toml``) by embedding similarity. A passage counts for a
  theme when the similarity clears a threshold and is close to that passage's best match.
- **Emergent.** The sentences of the client's notes that have something close in another session
  are clustered (scikit-learn, average linkage on cosine distance, cut at a fixed distance); a cluster
  whose sentences come from enough sessions is a theme. The caller names it by a phrase of its evidence.

Both assign *parts* of notes (passages, sentences), so a note about three things counts for three
themes. A theme *recurs* when it appears in three sessions (two for a client with fewer than six).
Pure logic over vectors the caller supplies; no model is loaded here (``benchmarks/histories.py``
measures recovery on coaching histories, ``benchmarks/themes.py`` on counsel-chat and at 100 sessions).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from reflect.core.domain import Evidence, Note, Passage, Theme, Trend
from reflect.core.prompts import TaxonomyTheme

#: Minimum cosine similarity between a passage and a theme's closest phrase or example (MiniLM scale).
#: With example sentences per theme, 0.36 reported about 19 themes per client on the dev histories
#: (4.4 spurious); with three sessions, 0.46 adds a few well-matched taxonomy themes to the emergent ones
#: (0.2 spurious) but loses the demo's plainest theme (Delegation); 0.42 keeps it (0.4 spurious, same
#: recovery within 0.01; benchmarks/histories.py).
THRESHOLD = 0.42
#: A passage also counts for a theme within this margin of its best theme.
MARGIN = 0.04
EVIDENCE_CHARS = 180


@dataclass(frozen=True)
class ThemeParams:
    threshold: float = THRESHOLD
    margin: float = MARGIN
    min_sessions: int = 3
    """A theme recurs when it is in this many sessions (two for a client with fewer than six)."""


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
    min_sessions = params.min_sessions if len(known) >= 6 else 2
    themes: list[Theme] = []
    for t, taxon in enumerate(taxonomy):
        rows = [i for i in np.flatnonzero(assigned[:, t]) if passages[i].note_id in known]
        per_session = _strongest_per_session(passages, rows, sims[:, t])
        if len(per_session) >= min_sessions:
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
    recurrence: float = 0.25
    """A sentence takes part only if some sentence of *another* session is at least this close to it
    (cosine, after the client's mean is taken out): what is said once is not a recurring theme."""
    distance: float = 0.95
    """Average-linkage clusters are cut at this cosine distance."""
    min_sessions: int = 3
    """A theme recurs when it is in at least this many sessions (two for a client with fewer than six)."""
    max_themes: int = 6
    """At most this many emergent themes, those present in the most sessions."""
    clusters: int | None = None
    """Cut into exactly this many clusters instead of at ``distance`` (benchmarks only: the reference
    "told the true number of topics", which reflect never knows)."""


def emergent_themes(notes: list[Note], units: list[Passage], vectors: np.ndarray, params: EmergentParams = EmergentParams()) -> list[Theme]:
    """Themes found in the client's own sessions, labelled by their keyphrases (the caller may name them
    better, ``reflect.core.services.insight``).

    ``units`` are the sentences of the client's notes (each with its note and passage), ``vectors``
    their embeddings. The client's mean vector is taken out, so what every note shares ("we talked
    about…") does not pull sentences together; sentences with nothing close in another session are set
    aside; the rest are clustered (scikit-learn, average linkage on cosine distance, cut at a fixed
    distance, so the number of themes is not chosen in advance). A cluster is a theme when its
    sentences come from enough sessions; measured on coaching histories with planted themes and on
    counsel-chat (``benchmarks/histories.py``, ``benchmarks/themes.py``).
    """
    from sklearn.cluster import AgglomerativeClustering

    known = {n.id for n in notes}
    rows = [i for i, u in enumerate(units) if u.note_id in known]
    if len(rows) < 4 or len({units[i].note_id for i in rows}) < 2:
        return []
    centred = vectors[rows] - vectors[rows].mean(axis=0)
    x = centred / np.maximum(np.linalg.norm(centred, axis=1, keepdims=True), 1e-9)
    session = np.asarray([units[i].note_id for i in rows])
    closeness = np.where(session[:, None] == session[None, :], -1.0, x @ x.T)
    keep = np.flatnonzero(closeness.max(axis=1) >= params.recurrence)
    if len(keep) < 3:
        return []
    if params.clusters is not None:
        cut = AgglomerativeClustering(n_clusters=min(params.clusters, len(keep)), metric="cosine", linkage="average")
    else:
        cut = AgglomerativeClustering(n_clusters=None, metric="cosine", linkage="average", distance_threshold=params.distance)
    labels = cut.fit_predict(x[keep])
    min_sessions = params.min_sessions if len(known) >= 6 else 2
    groups = []
    for j in set(labels.tolist()):
        members = keep[labels == j]
        if len({session[i] for i in members}) >= min_sessions:
            groups.append(members)
    groups.sort(key=lambda m: (-len({session[i] for i in m}), -len(m)))
    themes = []
    kept_units = [units[i] for i in rows]
    for members in groups[: params.max_themes]:
        centre = x[members].mean(axis=0)
        centre /= max(float(np.linalg.norm(centre)), 1e-9)
        scores = x @ centre
        per_session = _strongest_per_session(kept_units, members, scores)
        inside = [kept_units[i].text for i in members]
        outside = [u.text for i, u in enumerate(kept_units) if i not in set(members.tolist())]
        words = keyphrases(inside, outside) or keyphrases(inside, [])
        description = "emergent: what this client's sessions return to"
        themes.append(_build(" / ".join(words) or "a recurring topic", description, notes, kept_units, members, scores, per_session, words or ["recurring"]))
    return themes


def combine(taxonomy_themes: list[Theme], emergent: list[Theme], overlap: float = 0.6) -> list[Theme]:
    """Taxonomy themes, plus emergent ones that do not repeat a taxonomy theme's sessions. Emergent
    themes are not compared with each other: they are different clusters of sentences, and two topics
    can share the same sessions."""
    out = list(taxonomy_themes)
    for theme in emergent:
        ids = {s.note_id for s in theme.sessions}
        if all(len(ids & {s.note_id for s in t.sessions}) / len(ids | {s.note_id for s in t.sessions}) < overlap for t in taxonomy_themes):
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
