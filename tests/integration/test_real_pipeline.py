"""The whole pipeline on the real parts: Presidio + en_core_web_sm, MiniLM int8 on onnxruntime, a
Chroma persist directory and SmolLM2-135M through llama-cpp-python."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from reflect.core.components import Components
from reflect.core.demo import load_demo, reset_demo_dir
from reflect.core.noteinput import NoteInput
from reflect.core.opener import open_practice
from reflect.settings import Settings

#: The shipped default model is asked to write here (it is not by default), so what reaches a real model is checked.
MODEL_WRITES = Settings(use_model="always")

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def demo(tmp_path_factory, real_detector, real_embedder):
    root = tmp_path_factory.mktemp("demo")
    reset_demo_dir(root)
    practice = open_practice(root, passphrase="module passphrase", settings=MODEL_WRITES, components=Components(detector=real_detector, embedder=real_embedder))
    load_demo(practice)
    yield practice
    practice.close()


def test_demo_notes_are_redacted_with_consistent_placeholders(demo) -> None:
    maria = demo.roster.client("Maria Gonzalez")
    notes = demo.notes.list(maria)
    assert len(notes) == 6
    for n in notes:
        for name in ("Maria", "Gonzalez", "Daniel", "Okafor", "Priya", "Lucia", "Northwind", "Sam "):
            assert name not in n.redacted, (n.id, name)
    daniel = demo.context.map(maria).lookup("daniel okafor")[1]
    assert sum(daniel in n.redacted for n in notes) >= 4  # "Daniel", "Dan", "Daniel Okafor": one placeholder


def test_search_finds_the_relevant_passage(demo) -> None:
    maria = demo.roster.client("Maria Gonzalez")
    results = demo.insight.search(maria, "meeting one to one with Daniel about the budget", 3)
    assert results[0].note_id in {n.id for n in demo.notes.list(maria)}
    assert any("one to one" in r.text for r in results)
    assert all("Daniel" not in r.text for r in results)


def test_themes_recur_and_cite_real_notes(demo) -> None:
    maria = demo.roster.client("Maria Gonzalez")
    themes = demo.insight.themes(maria)
    note_ids = {n.id for n in demo.notes.list(maria)}
    labels = [t.label for t in themes]
    assert "Delegation" in labels
    for t in themes:
        assert len(t.sessions) >= 2
        assert {s.note_id for s in t.sessions} <= note_ids
        assert t.evidence and all(e.note_id in note_ids for e in t.evidence)
        assert t.trend in {"new", "rising", "steady", "fading", "resolved"}


def test_prep_with_the_real_model_is_grounded_and_redacted(demo) -> None:
    maria = demo.roster.client("Maria Gonzalez")
    streamed: list[str] = []
    brief = demo.insight.prep(maria, on_text=streamed.append)
    assert streamed, "the model's output streams while it is generated"
    note_ids = {n.id for n in demo.notes.list(maria)}
    assert len(brief.questions) == 5
    for q in brief.questions:
        assert q.source in {"commitment", "goal", "theme", "model", "bank"} and q.why
        assert q.evidence and all(e.note_id in note_ids for e in q.evidence)
        assert q.text.endswith("?")
        assert "Maria" not in q.text and "Daniel" not in q.text
    assert brief.summary and brief.last_note.id == max(note_ids)
    prompt = demo.upkeep.audit(maria)[-1].prompt
    for name in ("Maria", "Gonzalez", "Daniel", "Priya", "Sam Gonzalez", "Northwind"):
        assert name not in prompt


def test_canary_identifiers_never_reach_index_prompts_or_caches(tmp_path: Path, real_detector, real_embedder, caplog) -> None:
    caplog.set_level("DEBUG")
    canaries = ["Zyxqwv Brightmoor", "zyxqwv.brightmoor@canary-mail.example", "+44 7700 900123", "Quillonby"]
    root = tmp_path / "practice"
    with open_practice(root, settings=MODEL_WRITES, components=Components(detector=real_detector, embedder=real_embedder)) as p:
        c = p.roster.add_client("Zyxqwv Brightmoor")
        p.roster.add_person(c, "Quillonby", role="employer")
        notes = [
            NoteInput(date(2026, 1, 1), "zyxqwv said Quillonby is draining her. Reach her at zyxqwv.brightmoor@canary-mail.example.", "t"),
            NoteInput(date(2026, 1, 8), "ZYXQWV BRIGHTMOOR called from +44 7700 900123 about delegation and burnout at QUILLONBY.", "t"),
        ]
        p.notes.add(c, notes)
        p.insight.prep(c)
        p.insight.search(c, "what did Zyxqwv say about Quillonby")
        redacted = "\n".join(n.redacted for n in p.notes.list(c))
        prompts = "\n".join(r.prompt for r in p.upkeep.audit(c))
    blobs = [redacted, prompts, caplog.text]
    for f in (root / "index").rglob("*"):
        if f.is_file():
            blobs.append(f.read_bytes().decode("latin-1"))
    for f in (root / "cache").rglob("*"):
        if f.is_file():
            blobs.append(f.read_bytes().decode("latin-1"))
    haystack = "\n".join(blobs).lower()
    for canary in canaries:
        for form in {canary.lower(), canary.split()[0].lower(), canary.replace(" ", "").lower()}:
            assert form not in haystack, form
    assert "[client]" in redacted.lower()
    assert "client" in caplog.text  # the logs did record the work (ids, counts), just not the text
    leftovers = [p for p in tmp_path.rglob("*") if p.is_file() and root not in p.parents]
    assert leftovers == []  # no temp files beside the practice


def test_same_theme_in_different_words_is_one_recurring_theme(tmp_path: Path, real_detector, real_embedder) -> None:
    with open_practice(tmp_path / "p", settings=MODEL_WRITES, components=Components(detector=real_detector, embedder=real_embedder)) as p:
        c = p.roster.add_client("Lena Fischer")
        p.notes.add(c, [
            NoteInput(date(2026, 1, 5), "She still reviews every pull request herself instead of handing code review to her leads.", "t"),
            NoteInput(date(2026, 1, 19), "Sleep has been fine. The offsite went well.", "t"),
            NoteInput(date(2026, 2, 2), "Letting the team own decisions without checking their work still feels risky to her.", "t"),
        ])
        themes = {t.label: [s.note_id for s in t.sessions] for t in p.insight.themes(c)}
    notes = sorted(n for ids in themes.values() for n in ids)
    assert "Delegation" in themes, themes
    assert len(themes["Delegation"]) == 2 and 2 not in [n - min(notes) + 1 for n in themes["Delegation"]]


def test_progress_threshold_on_the_real_embedder(demo) -> None:
    """The threshold of ``reflect.core.progress`` (0.34) as documented there, on the demo's redacted
    notes and MiniLM: goals the notes talk about find their sessions, goals they never mention find
    none, and no evidence quotes a name."""
    maria = demo.roster.client("Maria Gonzalez")
    kenji = demo.roster.client("Kenji Watanabe")
    delegate = demo.goals.add(maria, "Delegate more and stop doing her team's work herself")
    cello = demo.goals.add(maria, "Learn to play the cello")
    marathon = demo.goals.add(kenji, "Run a marathon next spring")
    found = {gp.goal.id: gp for c in (maria, kenji) for gp in demo.goals.progress(c).goals}
    assert len(found[delegate.id].sessions) >= 4 and found[delegate.id].evidence is not None
    assert found[delegate.id].commitments  # handing the deck over serves it
    assert found[cello.id].sessions == [] and found[marathon.id].sessions == []
    for name in ("Maria", "Gonzalez", "Daniel", "Priya", "Northwind"):
        assert name not in found[delegate.id].evidence.text
