"""The core API on fakes: what is stored, what the model is shown, fail closed, isolation, erasure."""

from __future__ import annotations

import json
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reflect.core.errors import InputError, NotFoundError, RedactionError
from reflect.core.noteinput import NoteInput
from reflect.core.redaction.fake import FakeDetector


def note(text: str, day: int = 1) -> NoteInput:
    return NoteInput(date(2026, 1, day), text, "test")


def test_pipeline_stores_original_and_indexes_only_redacted(fake_practice) -> None:
    p = fake_practice
    c = p.roster.add_client("Maria Gonzalez", ["Mari"])
    p.roster.add_person(c, "Tom Becker", role="boss")
    [n] = p.notes.add(c, [note("Mari met tom about delegation. Call +44 20 7946 0958.")])
    stored = p.notes.get(c, n.id)
    assert stored.original.startswith("Mari met tom")
    assert stored.redacted == "[CLIENT] met [PERSON_1] about delegation. Call [PHONE_1]."
    passages, _ = p.context.index(c).all()
    assert passages and all("Mari" not in x.text and "tom" not in x.text.lower() for x in passages)


def test_fail_closed_nothing_stored_or_indexed(fake_practice) -> None:
    p = fake_practice
    c = p.roster.add_client("Maria Gonzalez")
    p.notes.add(c, [note("first note", 1)])
    p.components._detector.fail = True
    with pytest.raises(RedactionError):
        p.notes.add(c, [note("second canary note", 2), note("third", 3)])
    assert [n.original for n in p.notes.list(c)] == ["first note"]
    assert p.context.index(c).count() == 1
    assert p.components.llm.prompts == []


def test_index_failure_rolls_back_the_store(fake_practice, monkeypatch) -> None:
    p = fake_practice
    c = p.roster.add_client("Maria Gonzalez")
    index = p.context.index(c)

    def broken(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(index, "add", broken)
    with pytest.raises(OSError):
        p.notes.add(c, [note("a note")])
    assert p.notes.list(c) == []


def test_questions_fall_back_to_bank_and_model_saw_only_redacted(fake_practice) -> None:
    p = fake_practice
    c = p.roster.add_client("Maria Gonzalez")
    p.roster.add_person(c, "Tom Becker")
    p.notes.add(c, [note("Maria wants to delegate more. Tom Becker pushes back.", 1), note("Maria delegated the deck.", 2)])
    p.components.llm.outputs.append(json.dumps({"questions": [
        {"question": "What would delegating one more decision to the team free up for [CLIENT]?", "passage": 1},
        {"question": "Is Tom Becker fair?", "passage": 1},
    ]}))
    result = p.insight.questions(c)
    assert len(result.questions) == 5
    sources = [q.source for q in result.questions]
    assert sources.count("model") == 1 and sources[0] == "model"  # the leaking one is rejected; the other comes first
    assert set(sources[1:]) <= {"theme", "bank"}  # no commitment in these notes: themes, then the bank
    assert all(q.evidence for q in result.questions)
    shown = json.dumps(p.components.llm.prompts)
    assert "Maria" not in shown and "Tom" not in shown and "[CLIENT]" in shown
    audit = p.upkeep.audit(c)
    assert len(audit) == 1 and audit[0].purpose == "questions" and "Maria" not in audit[0].prompt


def test_clients_are_isolated(fake_practice) -> None:
    p = fake_practice
    a = p.roster.add_client("Maria Gonzalez")
    b = p.roster.add_client("Kenji Watanabe")
    p.notes.add(b, [note("Kenji's unique fact: zebra migration budget.")])
    p.notes.add(a, [note("Maria on delegation.")])
    results = p.insight.search(a, "zebra migration budget", 10)
    assert results and all("zebra" not in r.text for r in results)
    assert p.context.map(a).lookup("kenji") is None


def test_forget_removes_everything_for_that_client_only(fake_practice) -> None:
    p = fake_practice
    a = p.roster.add_client("Maria Gonzalez")
    b = p.roster.add_client("Kenji Watanabe")
    p.notes.add(a, [note("Maria note")])
    p.notes.add(b, [note("Kenji note")])
    p.upkeep.forget(a)
    with pytest.raises(NotFoundError):
        p.roster.client("maria gonzalez")
    assert not p.paths.client_index(a.id).exists()
    assert p.store.vault(a.id) == [] and p.store.notes(a.id) == []
    assert len(p.notes.list(p.roster.client("Kenji Watanabe"))) == 1


def test_duplicate_and_bad_names(fake_practice) -> None:
    p = fake_practice
    p.roster.add_client("Maria Gonzalez")
    with pytest.raises(InputError, match="already exists"):
        p.roster.add_client("  maria   GONZALEZ ")
    with pytest.raises(InputError, match="empty"):
        p.roster.add_client("   ")


def test_reindex_rebuilds_from_store(fake_practice) -> None:
    p = fake_practice
    c = p.roster.add_client("Maria Gonzalez")
    p.notes.add(c, [note("One. Two. Three. Four.", 1), note("Five.", 2)])
    before = p.context.index(c).count()
    assert p.upkeep.reindex(c)[c.id].passages_reembedded == before
    assert p.context.index(c).count() == before


def test_followup_recap_is_validated(fake_practice) -> None:
    p = fake_practice
    c = p.roster.add_client("Maria Gonzalez")
    p.notes.add(c, [note("Maria agreed to hand the deck to the team.", 1)])
    p.components.llm.outputs.append(json.dumps({"questions": [], "recap": "Maria Gonzalez, see http://evil.example"}))
    result = p.insight.followup(c)
    assert "Maria" not in result.recap and "http" not in result.recap
    # Nothing of the model's survives; what was agreed in the session is asked about in its own words.
    assert len(result.questions) == 3 and {q.source for q in result.questions} <= {"commitment", "bank"}
    assert result.questions[0].source == "commitment" and "handing the deck to the team" in result.questions[0].text
    assert "rejected" in result.status


def test_edit_note_re_redacts_and_re_indexes(fake_practice) -> None:
    p = fake_practice
    c = p.roster.add_client("Maria Gonzalez")
    [n] = p.notes.add(c, [note("Maria talked about the budget. Zebra canary one.", 1)])
    edited = p.notes.edit(c, n.id, NoteInput(date(2026, 1, 2), "Maria met Raj Patel about delegation.", "edit"))
    assert edited.redacted == "[CLIENT] met [PERSON_1] about delegation."
    assert p.notes.get(c, n.id).date == date(2026, 1, 2)
    assert [(x.note_id, x.chunk) for x in p.context.index(c).all()[0]] == [(n.id, 0)]  # the old passages are gone
    assert [x.text for x in p.insight.search(c, "delegation")] == ["[CLIENT] met [PERSON_1] about delegation."]
    p.components._detector.fail = True
    with pytest.raises(RedactionError):
        p.notes.edit(c, n.id, NoteInput(date(2026, 1, 3), "anything", "edit"))
    assert p.notes.get(c, n.id).redacted == edited.redacted  # fail closed: nothing changed


_hostile_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=3000) | st.builds(
    lambda line, n: (line or "x") * n, st.text(min_size=1, max_size=5), st.integers(100, 4000)
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(text=_hostile_text)
def test_hostile_text_round_trips_through_sealed_storage_or_is_refused_cleanly(fake_practice, text: str) -> None:
    """Arbitrary Unicode (control characters, RTL, emoji, zero-width, very long lines) is stored
    sealed and comes back byte for byte, or is refused with an InputError; never a crash."""
    p = fake_practice
    # (A zero-width space in a client's name is dropped when the name is stored.)
    client = p.store.client_by_key("Maria Hostile") or p.roster.add_client("Ma\u200bria Hostile")
    try:
        [stored] = p.notes.add(client, [NoteInput(date(2026, 1, 1), text, "hostile")])
    except InputError:
        assert not text.strip()
        return
    assert p.notes.get(client, stored.id).original == text


def test_a_writer_that_finds_the_directory_busy_never_removes_the_store_being_created(tmp_path) -> None:
    """While another process sets a practice up, a second writer waits 1.5 s and gives up; it must
    not delete the store that appeared meanwhile (it did not create it)."""
    import threading
    import time

    from reflect.core.components import Components
    from reflect.core.embedding import HashEmbedder
    from reflect.core.errors import StoreInUseError
    from reflect.core.opener import open_practice
    from reflect.core.practice import acquire_lock
    from reflect.paths import DataPaths

    paths = DataPaths(tmp_path / "p")
    paths.ensure()
    holder = acquire_lock(paths)
    errors: list[BaseException] = []

    def second_writer() -> None:
        try:
            open_practice(paths.root, passphrase="a long passphrase", components=Components(detector=FakeDetector(), embedder=HashEmbedder()))
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    thread = threading.Thread(target=second_writer)
    thread.start()
    time.sleep(0.5)
    paths.db.write_bytes(b"the first process's new store")  # appears while the second one waits
    thread.join()
    holder.release()
    assert len(errors) == 1 and isinstance(errors[0], StoreInUseError)
    assert paths.db.read_bytes() == b"the first process's new store"
