"""The engagement's goals: redacted before they are stored (and never raw in the store, the index or a
prompt), bad input stores nothing, re-redaction and reindex scrub them, forget erases them, a v6 store
gains the table; and progress ties each goal to sessions, evidence and commitments by similarity."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from reflect.core.domain import Commitment, Goal, Passage
from reflect.core.errors import InputError, NotFoundError
from reflect.core.noteinput import NoteInput
from reflect.core.progress import THRESHOLD, ProgressParams, goal_progress
from reflect.core.store import MIGRATIONS, Store

CANARY = "Zorbikwhistle"


def _all_bytes(directory: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file())


def _client(p):
    c = p.roster.add_client("Maria Gonzalez")
    p.roster.add_person(c, "Tom Becker", role="boss")
    p.notes.add(c, [
        NoteInput(date(2026, 1, 5), "Maria wants to delegate the weekly board deck to her team. Tom Becker worries.", "t"),
        NoteInput(date(2026, 1, 19), "Maria will hand the weekly board deck to the team lead by Friday.", "t"),
        NoteInput(date(2026, 2, 2), "Sleep, running, mornings: all fine.", "t"),
    ])
    return c


def _stored_goal_texts(p, client_id: str) -> list[str]:
    return [g.text for g in p.store.goals(client_id)]


# the redaction gate ------------------------------------------------------------------------------------

def test_a_goal_is_redacted_with_the_clients_roster_before_it_is_stored(fake_practice) -> None:
    p = fake_practice
    c = _client(p)
    goal = p.goals.add(c, "Maria wants Tom Becker to trust her to delegate the board deck")
    assert goal.text == "[CLIENT] wants [PERSON_1] to trust her to delegate the board deck"
    assert _stored_goal_texts(p, c.id) == [goal.text]
    assert p.roster.reidentifier(c)(goal.text) == "Maria Gonzalez wants Tom Becker to trust her to delegate the board deck"
    # sealed at rest: the goal's words are in no byte of the data directory
    p.goals.add(c, f"Work out the {CANARY} question")
    p.store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert CANARY.encode() not in _all_bytes(p.paths.root)
    assert p.store.sealed_check() is None


def test_goal_text_reaches_the_embedder_only_redacted(fake_practice) -> None:
    """The key invariant, watched at the one door: the embedder never sees a name from a goal."""
    p = fake_practice
    c = _client(p)
    seen: list[str] = []
    original = p.components.embedder.embed
    p.components.embedder.embed = lambda texts: seen.extend(texts) or original(texts)  # type: ignore[method-assign]
    p.goals.add(c, "Maria and Tom Becker agree on who owns the board deck")
    p.goals.progress(c)
    assert any("[PERSON_1]" in t for t in seen)
    assert not any("Tom" in t or "Maria" in t for t in seen), seen


def test_a_name_the_gate_learns_from_a_goal_joins_the_map_and_the_index_sees_none(fake_practice) -> None:
    p = fake_practice
    c = _client(p)
    goal = p.goals.add(c, "Rebuild trust with Quentin Vasquez after the reorganisation")
    assert "Quentin" not in goal.text and "[PERSON_" in goal.text
    assert p.roster.placeholder(c, "Quentin Vasquez") is not None  # learned, with the goal
    assert "Quentin" not in str(p.store.goals(c.id))


@pytest.mark.parametrize("text", ["", "  ", "ab", "x" * 501])
def test_empty_or_overlong_goals_are_refused_and_store_nothing(fake_practice, text: str) -> None:
    p = fake_practice
    c = _client(p)
    vault = p.store.vault(c.id)
    with pytest.raises(InputError):
        p.goals.add(c, text)
    assert p.store.goals(c.id) == [] and p.store.vault(c.id) == vault


@pytest.mark.parametrize("goal_id", [999, 0, -1, 2**70])
def test_a_wrong_goal_id_stores_nothing_not_even_a_name_the_text_would_teach(fake_practice, goal_id: int) -> None:
    p = fake_practice
    c = _client(p)
    kept = p.goals.add(c, "Delegate the board deck")
    vault = p.store.vault(c.id)
    with pytest.raises(NotFoundError, match="no goal"):
        p.goals.edit(c, goal_id, "Ask Zorbik Quellan for help")
    for change in (lambda: p.goals.set_status(c, goal_id, "achieved"), lambda: p.goals.delete(c, goal_id)):
        with pytest.raises(NotFoundError, match="no goal"):
            change()
    assert p.store.vault(c.id) == vault
    assert p.store.goals(c.id) == [kept]


def test_a_goal_of_another_client_is_not_found(fake_practice) -> None:
    p = fake_practice
    c = _client(p)
    other = p.roster.add_client("Kenji Watanabe")
    goal = p.goals.add(other, "Lead the former peers")
    with pytest.raises(NotFoundError):
        p.goals.set_status(c, goal.id, "achieved")
    assert p.goals.get(other, goal.id).status == "open"


def test_edit_status_delete_and_order(fake_practice) -> None:
    p = fake_practice
    c = _client(p)
    first = p.goals.add(c, "Delegate the board deck")
    second = p.goals.add(c, "Sleep better")
    p.goals.set_status(c, first.id, "achieved")
    edited = p.goals.edit(c, first.id, "Delegate the board deck to Tom Becker")
    assert edited.status == "achieved" and edited.text == "Delegate the board deck to [PERSON_1]"
    assert [(g.id, g.status) for g in p.goals.list(c)] == [(first.id, "achieved"), (second.id, "open")]
    assert [g.id for g in p.goals.for_insight(c)] == [second.id]
    assert p.goals.vectors(c, p.goals.for_insight(c)).shape == (1, p.components.embedder.dimensions)
    with pytest.raises(InputError, match="unknown goal status"):
        p.goals.set_status(c, second.id, "done")  # type: ignore[arg-type]
    p.goals.delete(c, second.id)
    assert [g.id for g in p.goals.list(c)] == [first.id]
    assert p.goals.list(c)[0].created == date.today().isoformat()


# re-redaction, reindex, forget, migration ------------------------------------------------------------

def test_person_add_and_reindex_scrub_a_name_already_stored_in_a_goal(fake_practice) -> None:
    """The gate (here the fake detector) misses a lone first name; once the coach puts the person on
    the roster, the stored goal follows, as stored notes do."""
    p = fake_practice
    c = _client(p)
    goal = p.goals.add(c, "Stop covering for sunil in the weekly review")
    assert "sunil" in goal.text  # missed by the detector: the case the roster exists for
    p.roster.add_person(c, "Sunil Rao", aliases=["sunil"])
    [after] = p.goals.list(c)
    assert "sunil" not in after.text.lower() and "[PERSON_" in after.text
    # reindex applies the current map too (here a row is put back by hand, as an older reflect left it)
    with p.store.transaction():
        p.store.set_goal_text(c.id, goal.id, "Stop covering for sunil in the weekly review")
    p.upkeep.reindex(c)
    assert "sunil" not in p.goals.list(c)[0].text.lower()
    # and doctor counts a goal out of step with the roster
    with p.store.transaction():
        p.store.set_goal_text(c.id, goal.id, "Stop covering for Sunil Rao")
    [scan] = [ch for ch in p.upkeep.redaction_scan() if ch.name == f"redaction {c.id}"]
    assert scan.ok is False and scan.detail.startswith("1 name")


def test_forget_erases_the_goals(fake_practice) -> None:
    p = fake_practice
    c = _client(p)
    p.goals.add(c, f"Settle the {CANARY} matter")
    p.upkeep.forget(c)
    assert p.store.db.execute("SELECT COUNT(*) FROM goals").fetchone()[0] == 0
    assert CANARY.encode() not in _all_bytes(p.paths.root)


def test_a_v6_store_gains_the_goals_table_and_keeps_its_rows(tmp_path: Path) -> None:
    from tests.unit.test_store import FAST, PASS

    path = tmp_path / "reflect.db"
    store = Store(path)
    store.setup(PASS, FAST)
    with store.transaction():
        c = store.add_client("Quillon Marsh", [])
        note_id = store.add_note(c.id, date(2026, 1, 5), "Quillon felt stuck", "[CLIENT] felt stuck")
        store.add_commitments(c.id, note_id, ["[CLIENT] will write it down"])
    store.close()
    # Make it exactly what reflect wrote at schema v6: no goals table.
    db = sqlite3.connect(path)
    db.execute("DROP TABLE goals")
    db.execute("PRAGMA user_version = 6")
    db.commit()
    db.close()
    assert len(MIGRATIONS) == 7
    store = Store(path)
    assert store.schema_version == 7
    store.unlock(PASS)
    assert store.notes(c.id)[0].original == "Quillon felt stuck"
    assert store.commitments(c.id)[0]["text"] == "[CLIENT] will write it down"
    assert store.goals(c.id) == []
    with store.transaction():
        goal = store.add_goal(c.id, f"[CLIENT] settles the {CANARY} matter")
    assert store.goals(c.id) == [goal]
    assert store.sealed_check() is None
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    assert CANARY.encode() not in _all_bytes(tmp_path)


# progress, pure over vectors ------------------------------------------------------------------------

def _unit(*xs: float) -> np.ndarray:
    v = np.asarray(xs, dtype=np.float32)
    return v / np.linalg.norm(v)


def _at(cos: float) -> np.ndarray:
    """A unit vector at cosine ``cos`` to (1, 0, 0)."""
    return _unit(cos, float(np.sqrt(1 - cos**2)), 0.0)


def test_progress_counts_sessions_at_the_threshold_and_quotes_the_latest() -> None:
    goal = Goal(1, "c", "Delegate the deck")
    goals_v = np.stack([_unit(1, 0, 0)])
    passages = [
        Passage(10, "2026-01-05", "first session passage on the deck", 0),
        Passage(10, "2026-01-05", "closer passage of the first session", 1),
        Passage(11, "2026-01-19", "just below the threshold", 0),
        Passage(12, "2026-02-02", "exactly at the threshold, latest", 2),
        Passage(99, "2026-03-01", "a note the store no longer has", 0),
    ]
    vectors = np.stack([_at(0.5), _at(0.8), _at(THRESHOLD - 0.01), _at(THRESHOLD + 1e-4), _at(0.99)])
    order = {10: 0, 11: 1, 12: 2}
    [found] = goal_progress([goal], goals_v, passages, vectors, [], np.zeros((0, 3)), order)
    assert [s.note_id for s in found.sessions] == [10, 12]
    assert found.strengths[0] == pytest.approx(0.8, abs=1e-3)
    assert found.evidence is not None and (found.evidence.note_id, found.evidence.chunk) == (12, 2)
    assert found.evidence.text == "exactly at the threshold, latest"
    # the threshold is a parameter: higher, and the second session drops out
    [strict] = goal_progress([goal], goals_v, passages, vectors, [], np.zeros((0, 3)), order, ProgressParams(threshold=0.6))
    assert [s.note_id for s in strict.sessions] == [10] and strict.evidence.chunk == 1  # type: ignore[union-attr]


def test_progress_relates_commitments_by_similarity_and_counts_them() -> None:
    goals = [Goal(1, "c", "Delegate"), Goal(2, "c", "Sleep")]
    goals_v = np.stack([_unit(1, 0, 0), _unit(0, 0, 1)])
    commitments = [
        Commitment(1, 10, "2026-01-05", "hand the deck over", "done"),
        Commitment(2, 11, "2026-01-19", "ask the lead to draft", "open"),
        Commitment(3, 11, "2026-01-19", "go to bed at ten", "dropped"),
    ]
    cv = np.stack([_at(0.9), _at(0.4), _unit(0, 0.2, 1)])
    delegate, sleep = goal_progress(goals, goals_v, [], np.zeros((0, 3)), commitments, cv, {})
    assert [c.id for c in delegate.commitments] == [1, 2] and (delegate.done, delegate.open, delegate.dropped) == (1, 1, 0)
    assert [c.id for c in sleep.commitments] == [3] and (sleep.done, sleep.open, sleep.dropped) == (0, 0, 1)
    assert delegate.sessions == [] and delegate.evidence is None


def test_progress_on_a_practice_ties_goals_to_sessions_and_commitments(fake_practice) -> None:
    """On fakes (hashed words): a goal sharing the notes' words finds their sessions; one the notes
    never mention finds none."""
    p = fake_practice
    c = _client(p)
    deck = p.goals.add(c, "hand the weekly board deck to the team")
    p.goals.add(c, "cello lessons")
    progress = p.goals.progress(c)
    assert progress.sessions == 3
    first, cello = progress.goals
    assert first.goal.id == deck.id
    assert [s.note_id for s in first.sessions] == [1, 2]
    assert first.evidence is not None and first.evidence.note_id == 2 and "Tom" not in first.evidence.text
    assert [x.note_id for x in first.commitments] == [2] and first.open == 1
    assert cello.sessions == [] and cello.commitments == [] and cello.evidence is None


def test_progress_without_goals_or_notes(fake_practice) -> None:
    p = fake_practice
    c = p.roster.add_client("Kenji Watanabe")
    assert p.goals.progress(c).goals == []
    p.goals.add(c, "Lead the former peers")
    [only] = p.goals.progress(c).goals
    assert only.sessions == [] and only.commitments == []


def test_a_name_learned_from_a_goal_is_redacted_from_the_stored_notes(fake_practice) -> None:
    """The goal teaches the map a name the stored notes hold alone ("Quellan"): the notes are
    re-redacted with the goal, as when a note teaches a name, so progress never quotes it."""
    p = fake_practice
    c = p.roster.add_client("Maria Gonzalez")
    p.notes.add(c, [NoteInput(date(2026, 1, 5), "Maria argued with Quellan about the board deck again.", "t")])
    assert "Quellan" in p.notes.get(c, 1).redacted  # the fake detector misses a lone surname
    p.goals.add(c, "Settle the board deck with Zorbik Quellan")
    assert "Quellan" not in p.notes.get(c, 1).redacted  # re-redacted with the goal
    [found] = p.goals.progress(c).goals
    assert found.evidence is not None and found.evidence.note_id == 1
    assert "Quellan" not in found.evidence.text and "[PERSON_" in found.evidence.text
    assert not p.store.reredact_pending(c.id)
