"""Commitment extraction (rules on redacted text) and status inference (over vectors)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from reflect.core.commitments import extract, infer_status
from reflect.core.embedding import HashEmbedder
from reflect.core.noteinput import NoteInput

LABELLED = Path(__file__).resolve().parents[2] / "benchmarks" / "data" / "commitments_labelled.json"


@pytest.mark.parametrize("item", json.loads(LABELLED.read_text())["sentences"])
def test_labelled_sentences(item: dict) -> None:
    assert bool(extract(item["text"])) is item["commitment"], item["text"]


def test_list_items_under_a_heading_are_commitments() -> None:
    note = "Good session.\nNext steps: 1. Draft the options. 2. Book time with [PERSON_1]. (Confidence: 80%)\n\nEnergy is low."
    assert extract(note) == ["Draft the options.", "Book time with [PERSON_1]."]


@pytest.mark.parametrize(("note", "found"), [
    # the engagement's goals, and a review of them, are goals (``reflect goal``), not commitments
    ("Goals: (1) hold her own at exec (2) deal with [PERSON_1] fairly (3) have a life", []),
    ("- reviewed goals: 1) clear progress, still slips under stress 2) much better 3) fragile", []),
    ("Goals agreed (see intake form): 1) step back 2) workable rel w/ [PERSON_1]\nHomework:\n- book a 1:1 w/ [PERSON_1]", ["book a 1:1 w/ [PERSON_1]"]),
    ("Weekly goal: run three times before the review.", ["run three times before the review."]),
    # headings coaches write that name whose actions they are
    ("She'll:\n- call the surgery re a cognitive check for him\n- take Fri off, no catch-up emails",
     ["call the surgery re a cognitive check for him", "take Fri off, no catch-up emails"]),
    ("Client actions:\n- Write her first-year priorities\nCoach reflection: the language has gone.", ["Write her first-year priorities"]),
    ("He said no to the summit. Commitments for the gap: keep the 19:00 cut-off by January.", ["keep the 19:00 cut-off by January."]),
    # reported speech is a commitment; a preference or a past perfect is not
    ("He also said he'd leave his phone in the car at weekends.", ["He also said he'd leave his phone in the car at weekends."]),
    ("She said she'd rather not ask for favours. He said he'd been too busy.", []),
    # someone else's promise is not the client's; a feeling is no action (found by an adversarial review)
    ("Her boss said he would review the budget next week. Tom said he'd cover her shifts while she is away.", []),
    ("Her mum told me she would take the kids on Saturday.", []),
    ("She said she'd feel more confident with a script. He said he'd wanted to quit for years.", []),
    # a prose line that opens with "Her actions" or "His next" is no heading; one that ends on a colon is
    ("His next move is unclear\n- the board meets in May", []),
    ("Client agreed with my read of the situation\n- the board meets in May", []),
    ("commitments for her age - she is young", []),
    # a single goal with a deadline is this week's commitment; an engagement goal without one is not
    ("Goal: run a 10k by March.", ["run a 10k by March."]),
    ("SMART goal: submit the grant application by 30 June.", ["submit the grant application by 30 June."]),
    ("Goal: feel calmer.", []),
])
def test_commitments_in_more_of_the_forms_coaches_write(note: str, found: list[str]) -> None:
    assert extract(note) == found


def test_status_inferred_from_the_closest_outcome_sentence() -> None:
    e = HashEmbedder()
    commitment = e.embed(["she will hand the metrics deck to the team"])
    later = [[(2, "2026-01-08", "The team took over the metrics deck and it went well."),
              (2, "2026-01-08", "Energy is low."),
              (3, "2026-01-15", "She did not hand the metrics deck over yet.")]]
    vectors = [e.embed([s for _, _, s in later[0]])]
    [(status, evidence)] = infer_status(commitment, later, vectors)
    assert status in {"open", "done"} and evidence  # the closest outcome sentence decides
    assert evidence[0][2] in {later[0][0][2], later[0][2][2]}
    dropped = [[(2, "2026-01-08", "She gave up on handing the metrics deck to the team.")]]
    assert infer_status(commitment, dropped, [e.embed([dropped[0][0][2]])])[0][0] == "dropped"
    unrelated = [[(2, "2026-01-08", "The board met on Tuesday.")]]
    assert infer_status(commitment, unrelated, [e.embed([unrelated[0][0][2]])])[0] == ("open", [])


def test_practice_tracks_commitments_and_the_coach_can_override(fake_practice) -> None:
    p = fake_practice
    c = p.roster.add_client("Maria Gonzalez")
    p.notes.add(c, [
        NoteInput(date(2026, 1, 1), "Maria will hand the metrics deck to the team this sprint.", "t"),
        NoteInput(date(2026, 1, 8), "The team took over the metrics deck; it went well.", "t"),
    ])
    [item] = p.commitments.list(c)
    assert item.text == "[CLIENT] will hand the metrics deck to the team this sprint."
    assert item.status == "done" and item.source == "inferred" and item.evidence[0][0] == 2
    p.commitments.set_status(c, item.id, "dropped")
    assert p.commitments.list(c)[0].status == "dropped" and p.commitments.list(c)[0].source == "coach"
    p.commitments.set_status(c, item.id, None)
    assert p.commitments.list(c)[0].source == "inferred"
    brief = p.insight.prep(c)
    assert brief.commitments and brief.commitments[0].id == item.id


def test_statuses_are_inferred_when_notes_are_written_so_counting_needs_no_model(fake_practice) -> None:
    """The app counts open commitments for every client at start-up: that must be a store read, not
    an embedding pass over every client's notes (issue 11). The embedder is watched."""
    p = fake_practice
    embedder = p.components.embedder
    calls: list[int] = []
    original = embedder.embed
    embedder.embed = lambda texts: calls.append(len(texts)) or original(texts)  # type: ignore[method-assign]
    c = p.roster.add_client("Maria Gonzalez")
    p.notes.add(c, [
        NoteInput(date(2026, 1, 1), "Maria will hand the metrics deck to the team this sprint.", "t"),
        NoteInput(date(2026, 1, 8), "Maria will book a talk with the board before March.", "t"),
    ])
    calls.clear()
    assert p.commitments.open_count(c) == 2 and calls == []  # known from the write
    # A later session reports the first one done: counted at once, still without a model call.
    p.notes.add(c, [NoteInput(date(2026, 1, 15), "The team took over the metrics deck; it went well.", "t")])
    calls.clear()
    assert p.commitments.open_count(c) == 1 and calls == []
    # The coach's word counts over the inference.
    [first, second] = p.commitments.list(c)
    p.commitments.set_status(c, second.id, "done")
    calls.clear()
    assert p.commitments.open_count(c) == 0 and calls == []
    # Deleting the session that reported it: the order changed, so it is inferred again (once).
    p.notes.delete(c, 3)
    assert p.commitments.open_count(c) == 1 and calls  # recomputed
    calls.clear()
    assert p.commitments.open_count(c) == 1 and calls == []  # and kept


def _deck_practice(p):
    c = p.roster.add_client("Maria Gonzalez")
    p.notes.add(c, [NoteInput(date(2026, 1, 1), "Maria will hand the metrics deck to the team this sprint.", "t")])
    assert p.commitments.open_count(c) == 1
    return c


def test_a_note_edited_to_another_date_leaves_no_stale_status(fake_practice) -> None:
    """Review finding: edit() with a new date re-inferred only around the new position."""
    p = fake_practice
    c = _deck_practice(p)
    [done] = p.notes.add(c, [NoteInput(date(2026, 1, 8), "The team took over the metrics deck; it went well.", "t")])
    assert p.commitments.open_count(c) == 0
    p.notes.edit(c, done.id, NoteInput(date(2025, 12, 1), done.original, "t"))  # now before the commitment
    assert p.commitments.open_count(c) == 1 == sum(x.status == "open" for x in p.commitments.list(c))


def test_a_count_that_read_the_notes_before_a_write_does_not_overwrite_fresher_statuses(fake_practice) -> None:
    """Review finding: the app's counting worker could store statuses computed from notes another
    worker had changed meanwhile. Here the 'other worker' adds the report while the count embeds."""
    p = fake_practice
    c = _deck_practice(p)
    with p.store.transaction():
        p.store.clear_inferred(c.id)  # as after an upgrade: nothing kept yet
    original = p.components.embedder.embed
    fired: list[bool] = []

    def embed_then_write(texts):
        if not fired:
            fired.append(True)
            p.notes.add(c, [NoteInput(date(2026, 1, 8), "The team took over the metrics deck; it went well.", "t")])
        return original(texts)

    p.components.embedder.embed = embed_then_write  # type: ignore[method-assign]
    p.commitments.open_count(c)  # reads one note, embeds (the write happens), then would store "open"
    p.components.embedder.embed = original  # type: ignore[method-assign]
    assert fired and p.store.open_commitment_count(c.id) in (None, 0)  # never the stale 1
    assert p.commitments.open_count(c) == 0


def test_a_crash_after_an_add_commits_leaves_statuses_unknown_not_wrong(fake_practice, monkeypatch) -> None:
    """Review finding: a kill between the add's commit and the re-inference kept stale statuses."""
    p = fake_practice
    c = _deck_practice(p)

    def killed(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(p.commitments, "infer", killed)
    with pytest.raises(KeyboardInterrupt):
        p.notes.add(c, [NoteInput(date(2026, 1, 8), "The team took over the metrics deck; it went well.", "t")])
    monkeypatch.undo()
    assert p.store.open_commitment_count(c.id) is None  # unknown: inferred again at the next count
    assert p.commitments.open_count(c) == 0


@pytest.mark.parametrize("sentence", [
    "[x] non-negotiables written", "Pitch outline went to [PERSON_1] on Thursday.", "Listening round done.",
    "She declined the roadmap review.", "Usage data pulled.", "The offsite is booked.", "Investor update now monthly.",
])
def test_completions_in_the_forms_coaches_write_are_seen(sentence: str) -> None:
    from reflect.core.commitments import NOT_DONE, _reports_done

    assert _reports_done(sentence) and not NOT_DONE.search(sentence)


@pytest.mark.parametrize("sentence", [
    "She felt overwhelmed by the week.", "He worried about the board.", "JD for ops - not started.",
    "Didn't get to it.", "Still avoiding the call.", "No progress on the budget talk.",
])
def test_feelings_and_non_completions_are_not_reported_done(sentence: str) -> None:
    from reflect.core.commitments import NOT_DONE, _reports_done

    assert not _reports_done(sentence) or NOT_DONE.search(sentence)


def test_a_name_learned_from_a_coach_written_commitment_is_redacted_from_the_stored_notes(fake_practice) -> None:
    """The map learns "Zorbik Quellan" from the coach's text; a note that holds "Quellan" alone is
    re-redacted with the write (before: the learned rows were checked after saving the map had
    cleared them, so the pending flag was never set and the note kept the name)."""
    p = fake_practice
    c = p.roster.add_client("Maria Gonzalez")
    [note] = p.notes.add(c, [NoteInput(date(2026, 1, 5), "Maria argued with Quellan about the board deck.", "t")])
    assert "Quellan" in p.notes.get(c, note.id).redacted  # the fake detector misses a lone surname
    added = p.commitments.add(c, note.id, "Maria will settle the deck with Zorbik Quellan")
    assert "Quellan" not in added.text
    assert "Quellan" not in p.notes.get(c, note.id).redacted and not p.store.reredact_pending(c.id)
    found, _ = p.context.index(c).all()
    assert all("Quellan" not in (p.context.passage(c, x.note_id, x.chunk) or x).text for x in found)
