from __future__ import annotations

import json
from datetime import date

import numpy as np
import pytest

from reflect.core.chunking import chunk, sentences
from reflect.core.domain import Evidence, Note, Passage, Theme
from reflect.core.prompts import BankQuestion, PromptLibrary, TaxonomyTheme
from reflect.core.questions import fill_from_bank, near_duplicate, rank_bank, schema, validate
from reflect.core.themes import find_themes, theme_phrases, trend


def test_chunks_respect_paragraphs_and_size() -> None:
    text = "One. Two. Three. Four.\n\nFive is here."
    assert chunk(text) == ["One. Two. Three.", "Four.", "Five is here."]
    assert sentences("[CLIENT] said hi. [PERSON_1] left!") == ["[CLIENT] said hi.", "[PERSON_1] left!"]


@pytest.mark.parametrize(
    "present, expected",
    [
        ([True, True, False, False, False, False], "resolved"),
        ([False, False, False, False, True, True], "new"),
        ([True, True, True, True, True, False], "fading"),
        ([True, False, True, False, True, True], "steady"),
        ([False, False, True, False, True, True, True, True], "rising"),
    ],
)
def test_trend(present: list[bool], expected: str) -> None:
    assert trend(present) == expected


def test_themes_recur_at_passage_level() -> None:
    notes = [Note(i, "c", date(2026, 1, i), "", "") for i in (1, 2, 3)]
    taxonomy = [TaxonomyTheme("A", "a"), TaxonomyTheme("B", "b")]
    passages = [Passage(1, "2026-01-01", "a1"), Passage(1, "2026-01-01", "b1"), Passage(2, "2026-01-02", "a2"), Passage(3, "2026-01-03", "b3")]
    sims = np.array([[0.9, 0.1], [0.1, 0.8], [0.7, 0.2], [0.2, 0.6]])
    themes = find_themes(notes, passages, sims, taxonomy)
    by_label = {t.label: t for t in themes}
    assert [s.note_id for s in by_label["A"].sessions] == [1, 2]
    assert [s.note_id for s in by_label["B"].sessions] == [1, 3]  # note 1 counts for both themes
    assert by_label["A"].evidence[0].text == "a1"


def test_shipped_assets_parse_and_cover_grow() -> None:
    lib = PromptLibrary()
    taxonomy = lib.taxonomy()
    assert 20 <= len(taxonomy) <= 40
    bank = lib.question_bank()
    assert {q.stage for q in bank} == {"goal", "reality", "options", "will"}
    labels = {t.label for t in taxonomy}
    assert all(q.theme in labels for q in bank if q.theme)
    phrases, owner = theme_phrases(taxonomy)
    assert len(phrases) == len(owner) > len(taxonomy)
    messages = lib.template("questions").messages(themes="x", passages="[1] p", count=5)
    assert "[1] p" in messages[1]["content"] and messages[0]["role"] == "system"


def test_user_prompt_files_override_shipped(tmp_path) -> None:
    (tmp_path / "questions.toml").write_text('system = "S"\nuser = "U $count"\n')
    assert PromptLibrary(tmp_path).template("questions").messages(count=3)[1]["content"] == "U 3"


PASSAGES = [Passage(1, "2026-01-01", "[CLIENT] struggles to delegate."), Passage(2, "2026-01-08", "[PERSON_1] undermined her.")]


def q(text: str, passage: int = 1) -> dict:
    return {"question": text, "passage": passage}


def test_validation_keeps_good_questions_and_names_reasons() -> None:
    raw = json.dumps({"questions": [
        q("What would it take for [CLIENT] to delegate one decision?"),
        q("Do you delegate enough?"),
        q("What does [PERSON_7] think about it?"),
        q("How is the relationship with [PERSON_1] now?", passage=9),
        q("What would it take for [CLIENT] to delegate one decision?"),
        q("How did Tom react when she pushed back?", passage=2),
        q("What what what what is this?"),
        q("What is the most important thing you learned this year?"),
        q("How can I delegate better?"),
    ]})
    result = validate(raw, PASSAGES, {"[CLIENT]", "[PERSON_1]"}, lambda t: "Tom" in t, 5)
    assert result.schema_valid
    assert [x.text for x in result.accepted] == ["What would it take for [CLIENT] to delegate one decision?"]
    assert result.accepted[0].evidence[0].note_id == 1
    reasons = [r for r, _ in result.rejected]
    assert reasons == [
        "not an open question", "mentions an unknown placeholder", "cites a passage that does not exist",
        "duplicate", "contains an identifier", "repeats itself", "not about the passage it cites",
        "speaks as the client, not to them",
    ]


def test_invalid_json_is_rejected_not_crashed() -> None:
    result = validate('{"questions": [{"question": "What', PASSAGES, set(), lambda t: False, 5)
    assert not result.schema_valid and not result.accepted


def test_schema_bounds_arrays_and_passage_numbers() -> None:
    s = schema(3, 5)
    items = s["properties"]["questions"]
    assert items["maxItems"] == 5
    assert items["items"]["properties"]["passage"]["enum"] == [1, 2, 3]


def test_bank_fills_gaps_with_theme_questions_first() -> None:
    bank = [BankQuestion("reality", "What is happening now?"), BankQuestion("options", "What could you let go of?", "Delegation"),
            BankQuestion("goal", "What do you want from money?", "Money")]
    vectors = np.eye(3, dtype=np.float32)
    theme = Theme("Delegation", "", [Evidence(1, "2026-01-01", "")], [0.5], [Evidence(1, "2026-01-01", "quote")], "steady")
    ranked = rank_bank(bank, vectors, [theme], None)
    assert ranked[0][1].theme == "Delegation"
    filled = fill_from_bank([], ranked, [Evidence(2, "2026-01-08", "x")], 2)
    assert [x.source for x in filled] == ["bank", "bank"]
    assert filled[0].evidence[0].text == "quote"
    assert near_duplicate("What could you let go of?", "what could you let go of")


def test_kmeans_and_silhouette_find_the_groups_that_are_there() -> None:
    from reflect.core.themes import cluster, silhouette

    rng = np.random.default_rng(0)
    centres = np.eye(6, dtype=np.float32)[:3]
    v = np.concatenate([c + 0.15 * rng.standard_normal((5, 6)) for c in centres]).astype(np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    labels = cluster(v, 3)
    assert all(len(set(labels[g * 5:(g + 1) * 5])) == 1 for g in range(3)) and len(set(labels)) == 3
    assert silhouette(v, labels) > 0.5
    assert silhouette(v, cluster(v, 2)) < silhouette(v, labels)  # the true number of groups scores best
    shuffled = rng.permutation(labels)
    assert silhouette(v, shuffled) < 0.1


def _session(note_id: int, vector: list[float], text: str) -> tuple[Note, Passage, list[float]]:
    return Note(note_id, "c", date(2026, 1, note_id), "", ""), Passage(note_id, f"2026-01-{note_id:02d}", text), vector


def test_emergent_themes_group_sessions_and_assign_passages() -> None:
    from reflect.core.themes import emergent_themes

    rows = [
        _session(1, [1, 0, 0.1, 0], "The pottery studio lease and pottery classes."),
        _session(2, [0, 1, 0, 0.1], "Budget review with the board; budget cuts."),
        _session(3, [0.98, 0.02, 0, 0.1], "Pottery classes again; the studio lease is due."),
        _session(4, [0.05, 0.97, 0.1, 0], "The budget again and the board's questions."),
        _session(5, [1, 0.05, 0, 0], "Pottery: a studio of her own, classes on Sunday."),
        _session(6, [0, 1, 0.05, 0.05], "Board budget planning for next year."),
    ]
    notes = [r[0] for r in rows]
    passages = [r[1] for r in rows]
    v = np.array([r[2] for r in rows], dtype=np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    themes = {tuple(t.keyphrases[:1]): t for t in emergent_themes(notes, passages, v)}
    sessions = sorted([s.note_id for s in t.sessions] for t in themes.values())
    assert sessions == [[1, 3, 5], [2, 4, 6]]
    assert all(len(t.keyphrases) >= 2 and t.evidence for t in themes.values())
    assert any("pottery" in t.keyphrases for t in themes.values())
    # What each session says once is no recurring theme: nothing is claimed.
    once = [_session(i, [1.0 if j == i - 1 else 0.0 for j in range(5)], f"topic {i} only here, said once") for i in range(1, 6)]
    vectors = np.array([r[2] for r in once], dtype=np.float32)
    assert emergent_themes([r[0] for r in once], [r[1] for r in once], vectors) == []


def test_a_header_line_is_not_a_sentence_themes_are_made_of() -> None:
    from reflect.core.chunking import substantive

    for header in ("Session 13 | 10 Feb 2026 (review)", "Intake / chemistry call -> first session", "Session 1 | 8 Apr 2025", "Session 3 with [CLIENT] | 13 May"):
        assert not substantive(header), header  # these recur in every note and once made a theme of their own
    for said in ("She cried, briefly, and then laughed.", "Board voted last week to pursue the partnership.", "[PERSON_1] offered the Singapore role.",
                 "HR call went badly.", "Zoom fatigue on Mondays."):
        assert substantive(said), said
