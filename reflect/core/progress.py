"""Progress on the engagement's goals: which sessions talk about each goal, the latest passage that
does, and which commitments serve it, found by embedding similarity.

Pure numpy over vectors the caller supplies (unit vectors, so a dot product is the cosine): the goal
texts and the commitments embedded through the one door to the embedder (``Context.embed``), the
passages as the client's index holds them. Loads no model and reads no store; imports no front end.

The threshold is on MiniLM's scale. Measured on the demo practice (``reflect demo``'s notes, chunked
as the index chunks them): a goal the notes talk about ("delegate more and stop doing her team's work",
"decide on outside investment with her co-founder", "lead his former peers with confidence") reaches
0.32–0.66 in the sessions that discuss it; goals the notes never mention (a marathon, a novel, the
cello, work-life balance for a client whose notes do not touch it) stay at or below 0.28 in every
session. Commitments a goal serves score 0.35–0.44 against it, unrelated ones at most 0.29.
0.34 sits between the two for both.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from reflect.core.domain import Commitment, Evidence, Goal, GoalProgress, Passage

THRESHOLD = 0.34
"""A passage is close to a goal at this cosine similarity or above (see the module docstring)."""
COMMITMENT_THRESHOLD = 0.34
"""A commitment serves a goal at this cosine similarity or above."""
QUOTE_CHARS = 220


@dataclass(frozen=True)
class ProgressParams:
    threshold: float = THRESHOLD
    commitment_threshold: float = COMMITMENT_THRESHOLD


def quote(text: str, limit: int = QUOTE_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def goal_progress(
    goals: list[Goal],
    goal_vectors: np.ndarray,
    passages: list[Passage],
    passage_vectors: np.ndarray,
    commitments: list[Commitment],
    commitment_vectors: np.ndarray,
    session_order: dict[int, int],
    params: ProgressParams = ProgressParams(),
) -> list[GoalProgress]:
    """One ``GoalProgress`` per goal, in the order given.

    ``passages`` (redacted text, note id, date, chunk) pair row for row with ``passage_vectors``, and
    ``commitments`` with ``commitment_vectors``; ``session_order`` maps a note id to its place in date
    order (passages of notes not in it are ignored). A session counts for a goal when its best passage
    clears the threshold; the evidence is the best passage of the latest such session."""
    out: list[GoalProgress] = []
    dims = goal_vectors.shape[1] if goal_vectors.ndim == 2 else 0
    pv = passage_vectors.reshape(len(passages), dims) if passages else np.zeros((0, dims), dtype=np.float32)
    cv = commitment_vectors.reshape(len(commitments), dims) if commitments else np.zeros((0, dims), dtype=np.float32)
    passage_sims = pv @ goal_vectors.T if len(goals) else np.zeros((len(passages), 0))
    commitment_sims = cv @ goal_vectors.T if len(goals) else np.zeros((len(commitments), 0))
    for g, goal in enumerate(goals):
        best: dict[int, int] = {}  # note id -> row of its closest passage
        for i, p in enumerate(passages):
            if p.note_id not in session_order or float(passage_sims[i, g]) < params.threshold:
                continue
            if p.note_id not in best or passage_sims[i, g] > passage_sims[best[p.note_id], g]:
                best[p.note_id] = i
        ordered = sorted(best, key=lambda nid: session_order[nid])
        progress = GoalProgress(
            goal,
            sessions=[Evidence(nid, passages[best[nid]].date, "") for nid in ordered],
            strengths=[round(float(passage_sims[best[nid], g]), 3) for nid in ordered],
        )
        if ordered:
            p = passages[best[ordered[-1]]]
            progress.evidence = Evidence(p.note_id, p.date, quote(p.text), p.chunk)
        progress.commitments = [c for k, c in enumerate(commitments) if float(commitment_sims[k, g]) >= params.commitment_threshold]
        out.append(progress)
    return out
