"""Questions from the client's own material: commitments asked back in their own words, themes asked
through a phrase of their latest evidence, the opening question, and where every question came from."""

from __future__ import annotations

from datetime import date

import pytest

from reflect.core.domain import Commitment, Evidence, Theme
from reflect.core.material import Anchor, action, commitment_question, commitment_questions, followup_questions, second_person, theme_questions
from reflect.core.noteinput import NoteInput
from reflect.core.phrases import SimplePhrases, bare, gerund, tidy
from reflect.core.questions import CLOSED_STARTS, OPEN_STARTS, grounded


def _c(text: str, status: str = "open", evidence=None) -> Commitment:
    return Commitment(7, 3, "2026-03-02", text, status, "inferred", evidence or [], 0)  # type: ignore[arg-type]


@pytest.mark.parametrize(("text", "asked"), [
    ("Agreed: she will draft the first message to her team by Friday.", "How did drafting the first message to your team go?"),
    ("[CLIENT] agreed to block two hours on Fridays for strategy work.", "How did blocking two hours on Fridays for strategy work go?"),
    ("She'll try the 2-minute pause before answering in meetings.", "How did trying the 2-minute pause before answering in meetings go?"),
    ("Homework: journal three evenings a week", "How did journaling three evenings a week go?"),
    ("- [ ] visit the new site with [PERSON_2]", "How did visiting the new site with [PERSON_2] go?"),
    ("Before next session she will decide on the role and draft the first message to her team.",
     "How did deciding on the role and drafting the first message to your team go?"),
    ("He is going to tell his boss that he needs a deputy, so that he can take August off.", "How did telling your boss that you need a deputy go?"),
    ("We agreed she would map her stakeholders on one page.", "How did mapping your stakeholders on one page go?"),
])
def test_a_commitment_is_asked_back_in_its_own_words(text: str, asked: str) -> None:
    assert commitment_question(_c(text)) == asked


def test_someone_else_stays_someone_else() -> None:
    assert second_person(action("She will ask him about his plans by 12 March.")) == "ask him about his plans"
    assert second_person("talk to her about her workload") == "talk to her about her workload"
    assert second_person("share the plan with her partner") == "share the plan with your partner"


def test_a_stalled_commitment_asks_what_got_in_the_way() -> None:
    stalled = _c("She will book the skip-level meetings.", evidence=[(5, "2026-03-16", "Still hasn't booked them.")])
    assert commitment_question(stalled) == "What got in the way of booking the skip-level meetings?"


def test_a_list_item_that_is_not_an_action_is_asked_about_as_a_thing() -> None:
    assert commitment_question(_c("- the coffee with [PERSON_1]")) == "Where are things with the coffee with [PERSON_1]?"


@pytest.mark.parametrize(("text", "asked"), [
    ("She's going to start a maths club for the youth group.", "How did starting a maths club for the youth group go?"),
    ("- present the pulse results and what she's doing about them", "How did presenting the pulse results and what you're doing about them go?"),
    ("- check what he's been told about the budget", "How did checking what you've been told about the budget go?"),
    ("- tell the team she's tired of covering", "How did telling the team you're tired of covering go?"),
    ("- tell the team she's stretched too thin", "How did telling the team you're stretched too thin go?"),
    ("- tell [PERSON_1] she's disappointed with the rating", "How did telling [PERSON_1] you're disappointed with the rating go?"),
])
def test_she_is_and_she_has_become_you_are_and_you_have(text: str, asked: str) -> None:
    assert commitment_question(_c(text)) == asked


@pytest.mark.parametrize("text", [
    "- yes, big change",
    "- mostly yes, ppl say it was fair, some still hurt",
    "- the couple have agreed to have another go",
    '- she pushed hard for 20 mins then said "fine"',
])
def test_a_statement_is_not_asked_where_things_are_with(text: str) -> None:
    assert commitment_question(_c(text)) is None


def test_commitment_questions_are_open_cite_their_passage_and_say_why() -> None:
    items = [_c("She will draft the memo."), _c("Agreed to call the care home.", "done"), _c("[CLIENT] will ask [PERSON_1] for a mentor.")]
    items[2].date = "2026-03-09"
    qs = commitment_questions(items, limit=3)
    assert [q.text for q in qs] == ["How did asking [PERSON_1] for a mentor go?", "How did drafting the memo go?"]  # done ones are not asked; newest first
    for q in qs:
        assert q.source == "commitment" and q.why and q.evidence[0].note_id == 3
        assert q.text.lower().startswith(OPEN_STARTS) and not q.text.lower().startswith(CLOSED_STARTS)
        assert grounded(q.text, q.evidence[0].text)


def _theme(label: str, trend: str = "steady") -> Theme:
    sessions = [Evidence(1, "2026-01-05", "", 0), Evidence(4, "2026-02-02", "", 1)]
    return Theme(label, "", sessions, [0.5, 0.5], [Evidence(4, "2026-02-02", "Mum fell again; the care home forms are still not done.", 1)], trend)  # type: ignore[arg-type]


def test_theme_questions_are_anchored_on_the_latest_evidence() -> None:
    anchor = Anchor("the care home forms", Evidence(4, "2026-02-02", "Mum fell again; the care home forms are still not done.", 1))
    resolved, rising = _theme("Old topic", "resolved"), _theme("Caring for a parent", "rising")
    qs = theme_questions([resolved, rising], {id(rising): anchor, id(resolved): anchor})
    assert [q.text for q in qs] == ["What is making the care home forms come up more often lately?"]
    assert qs[0].source == "theme" and qs[0].evidence == [anchor.passage] and "Caring for a parent" in qs[0].why
    assert grounded(qs[0].text, anchor.passage.text)


@pytest.mark.parametrize(("text", "asked"), [
    ("- write her first-year priorities and share them with the board", "How did writing your first-year priorities and sharing them with the board go?"),
    ("- take Friday off and not open Slack", "How did taking Friday off and not opening Slack go?"),
    ("- prepare to succeed [PERSON_1] and build support across the partnership",
     "How did preparing to succeed [PERSON_1] and building support across the partnership go?"),
    ("- book the room and plan", "How did booking the room and plan go?"),  # a noun at the very end stays a noun
    ("- pick a date and stick to it", "How did picking a date and sticking to it go?"),
    ("- drafting the email and talk to [PERSON_1]", "How did drafting the email and talking to [PERSON_1] go?"),
    ("- hand it in and keep your camera on", "How did handing it in and keeping your camera on go?"),
    ("- raise the complaint with HR", "How did raising the complaint with HR go?"),  # HR is not "hr"
    ("- tell [PERSON_1] “she's not covering for him anymore”", "How did telling [PERSON_1] “she's not covering for him anymore” go?"),
    ("He also said he'd leave his phone in the car at weekends.", "How did leaving your phone in the car at weekends go?"),
    ("Client will book the venue by Friday.", "How did booking the venue go?"),
    ("We'll check in on the draft next time.", "How did checking in on the draft go?"),
    ("- start preparing the deck and send it to [PERSON_2]", "How did preparing the deck and sending it to [PERSON_2] go?"),
    ("- start preparing the May slot as a dialogue", "How did preparing the May slot as a dialogue go?"),
    ("- ask [PERSON_1] about the network at the 1:1", "How did asking [PERSON_1] about the network at the 1:1 go?"),
])
def test_every_verb_of_an_action_is_asked_in_the_same_form(text: str, asked: str) -> None:
    assert commitment_question(_c(text)) == asked


def test_a_goal_cut_at_a_clause_leaves_no_word_hanging() -> None:
    from reflect.core.material import asked

    assert asked("Make a clear decision about the [LOCATION_1] transfer and, by March, the case") == ("making a clear decision about the [LOCATION_1] transfer", True)


@pytest.mark.parametrize(("text", "asked"), [
    ("- 1:1 w/ [PERSON_1] re budget", "Where are things with 1:1 with [PERSON_1] about budget?"),
    ("- present the results + next steps at the eng mtg", "How did presenting the results and next steps at the eng meeting go?"),
    ("- start a maths club for the youth group in January as a way to practise teaching on people who will forgive her",
     "How did starting a maths club for the youth group in January go?"),
    ("and you'll tell [PERSON_2] the date", "How did telling [PERSON_2] the date go?"),
])
def test_shorthand_is_said_in_full_and_an_overlong_action_ends_where_it_can(text: str, asked: str) -> None:
    assert commitment_question(_c(text)) == asked


def test_a_bare_phrase_of_several_words_gets_its_article() -> None:
    anchor = Anchor("final review", Evidence(4, "2026-02-02", "The final review is booked.", 1))
    theme = _theme("Progress")
    assert theme_questions([theme], {id(theme): anchor})[0].text == "What is happening now with the final review?"
    from reflect.core.material import _with_article

    assert [_with_article(x) for x in ("going back to work", "you're stuck", "you and your co-founder")] == ["going back to work", "you're stuck", "you and your co-founder"]
    rising = _theme("Tools", "rising")
    asked = [theme_questions([rising], {id(rising): Anchor(a, anchor.passage)})[0].text for a in ("Slack", "The compulsion")]
    assert asked == ["What is making Slack come up more often lately?", "What is making the compulsion come up more often lately?"]  # a name keeps its case


def test_a_steady_theme_is_asked_without_assuming_it_weighs_on_the_client_and_a_fading_one_by_a_spoken_date() -> None:
    anchor = Anchor("the care home forms", Evidence(4, "2026-02-02", "Mum fell again; the care home forms are still not done.", 1))
    steady, fading = _theme("Caring for a parent"), _theme("Caring for a parent", "fading")
    asked = theme_questions([steady, fading], {id(steady): anchor, id(fading): anchor})
    assert [q.text for q in asked] == [
        "What is happening now with the care home forms?",
        "What has shifted around the care home forms since 2 February?",
    ]


def test_followup_asks_about_what_was_agreed_and_the_themes_touched() -> None:
    anchor = Anchor("her weekly reviews", Evidence(3, "2026-03-02", "She still does her weekly reviews of every deck.", 0))
    theme = _theme("Delegation")
    qs = followup_questions([_c("She will hand the Monday review to [PERSON_1].")], [theme], {id(theme): anchor})
    assert [q.text for q in qs] == [
        "What would help you follow through on handing the Monday review to [PERSON_1]?",
        "What stayed with you after we talked about your weekly reviews?",
    ]
    assert [q.source for q in qs] == ["commitment", "theme"]


def test_phrases_and_verb_forms() -> None:
    assert [gerund(w) for w in ("visit", "open", "refer", "write")] == ["visiting", "opening", "referring", "writing"]
    assert gerund("coffee") is None
    assert tidy("her") is None and tidy("Tuesday") is None and tidy("[PERSON_1]") is None
    # words that open or end on "s" are judged whole ("September", "sessions"), and a header line is no phrase
    assert tidy("September") is None and tidy("the sessions") is None and tidy("session 13 | [ADDRESS_1] (review") is None
    assert tidy("[PERSON_1]'s team") == "[PERSON_1]'s team"
    assert tidy("the care home forms") == "the care home forms" and bare("the care home forms") == "care home forms"
    assert SimplePhrases().noun_phrases(["She checks every deck herself."]) == [["checks", "deck"]]
    # a phrase cut mid-thought, a checkbox, or one made of the coaching's own words names nothing
    assert tidy("Kids w/") is None and tidy("[ ] audit calendar") is None and tidy("Progress review") is None
    assert tidy("Incident review") == "Incident review"
    assert tidy("June\" list") is None and tidy("]'s nomination") is None and tidy("[PERSON_1]'s nomination") == "[PERSON_1]'s nomination"


def test_prep_questions_come_from_the_clients_material_first(fake_practice) -> None:
    p = fake_practice
    c = p.roster.add_client("Maria Gonzalez")
    p.notes.add(c, [
        NoteInput(date(2026, 1, 5), "She reviews every deck herself and works late. Agreed: she will hand the Monday review to the team.", "t"),
        NoteInput(date(2026, 1, 19), "Still reviewing every deck herself; the late nights continue. She will block Friday mornings for strategy.", "t"),
    ])
    p.components.llm.outputs.append("not json")  # the model's answer is unusable: nothing of it is kept
    brief = p.insight.prep(c)
    sources = [q.source for q in brief.questions]
    assert len(brief.questions) == 5 and sources.count("commitment") == 2
    # The client's own material first; the bank only fills what is left.
    assert sources == sorted(sources, key=lambda s: s == "bank")
    assert all(q.why for q in brief.questions) and all(q.evidence for q in brief.questions)
    assert brief.opening is not None and all(brief.opening.text != q.text for q in brief.questions)
    assert "How did blocking Friday mornings for strategy go?" in [q.text for q in brief.questions]
    assert "Model:" in brief.model_status


def test_the_default_model_is_not_asked_to_write(tmp_path) -> None:
    from reflect.core.components import Components
    from reflect.core.embedding import HashEmbedder
    from reflect.core.opener import open_practice
    from reflect.core.redaction.fake import FakeDetector
    from reflect.settings import Settings

    class Refuses:
        name = "default"

        def generate(self, *a, **k):
            raise AssertionError("the model was asked")

    components = Components(detector=FakeDetector(), embedder=HashEmbedder(), phrases=SimplePhrases())
    components._llm = Refuses()  # as if the shipped default had been loaded lazily, not handed in
    with open_practice(tmp_path / "p", passphrase="a long passphrase", settings=Settings(), components=components) as p:
        c = p.roster.add_client("Maria Gonzalez")
        p.notes.add(c, [NoteInput(date(2026, 1, 5), "She will call the care home.", "t"), NoteInput(date(2026, 1, 9), "The care home call happened.", "t")])
        brief = p.insight.prep(c)
        follow = p.insight.followup(c)
        assert p.upkeep.audit(c) == []  # nothing was sent to a model
    assert "not asked" in brief.model_status and "not asked" in follow.status
    assert follow.recap and "extractive" in follow.status


def test_an_engagement_goal_is_asked_about_through_its_latest_passage(fake_practice) -> None:
    p = fake_practice
    c = p.roster.add_client("Maria Gonzalez")
    p.notes.add(c, [
        NoteInput(date(2026, 1, 5), "She wants to delegate more and stop reviewing every deck herself.", "t"),
        NoteInput(date(2026, 1, 19), "Delegate the deck reviews: she handed two decks to the team and did not review them.", "t"),
    ])
    p.goals.add(c, "Delegate more and stop reviewing every deck herself")
    questions = p.insight.questions(c).questions
    goal = [q for q in questions if q.source == "goal"]
    assert [q.text for q in goal] == ["How close do you feel now to delegating more and stopping reviewing every deck yourself?"]
    assert goal[0].evidence and goal[0].why.startswith("a goal of the engagement")


def test_a_theme_in_the_brief_names_the_goal_it_bears_on(fake_practice) -> None:
    from reflect.core.domain import Evidence, Theme

    p = fake_practice
    c = p.roster.add_client("Maria Gonzalez")
    p.notes.add(c, [NoteInput(date(2026, 1, 5), "She reviews every deck herself.", "t")])
    p.goals.add(c, "Stop reviewing every deck herself")
    p.goals.add(c, "Run a marathon in the spring")
    ev = [Evidence(1, "2026-01-05", "She reviews every deck herself.", 0)]
    cello = [Evidence(1, "2026-01-05", "Cello lessons resumed; orchestra rehearsals twice weekly.", 0)]
    themes = [Theme("Decks", "", ev, [0.5], list(ev), "steady"), Theme("Cello", "", cello, [0.5], list(cello), "steady")]
    p.insight._tie_to_goals(c, themes)
    assert themes[0].goal == "Stop reviewing every deck herself"
    assert themes[1].goal == ""  # close to no goal: none is named


def test_two_themes_with_one_label_are_each_asked_through_their_own_passage() -> None:
    a, b = _theme("Delegation", "rising"), _theme("Delegation", "rising")
    first = Anchor("the weekly reviews", Evidence(4, "2026-02-02", "She still does the weekly reviews.", 1))
    second = Anchor("the hiring plan", Evidence(1, "2026-01-05", "The hiring plan stalled again.", 0))
    qs = theme_questions([a, b], {id(a): first, id(b): second}, limit=2)
    assert [q.evidence[0] for q in qs] == [first.passage, second.passage]
    assert "weekly reviews" in qs[0].text and "hiring plan" in qs[1].text


def test_sentence_vectors_kept_for_themes_go_with_a_forgotten_client(fake_practice) -> None:
    p = fake_practice
    c = p.roster.add_client("Maria Gonzalez")
    p.notes.add(c, [NoteInput(date(2026, 1, 5 + 7 * i), f"She reviews every deck herself, week {i}. The team waits for her.", "t") for i in range(3)])
    p.insight.themes(c)
    assert any(key[0] == c.id for key in p.context.sentence_vectors)
    p.upkeep.forget(c)
    assert not any(key[0] == c.id for key in p.context.sentence_vectors)


def test_a_notes_header_line_takes_no_part_in_themes(fake_practice) -> None:
    p = fake_practice
    c = p.roster.add_client("Maria Gonzalez")
    p.notes.add(c, [NoteInput(date(2026, 1, 5 + 7 * i), f"Session {i + 1} | {5 + 7 * i} Jan 2026\nShe reviews every deck herself, week {i}.", "t") for i in range(3)])
    units, _ = p.insight._sentences(c, p.context.store.notes(c.id))
    assert units and not any("Session" in u.text for u in units)  # the header recurs in every note: it would be a theme of its own


@pytest.mark.parametrize(("text", "said"), [
    ('She said, "I don\'t think there are ten seconds. It\'s instant."', "I don't think there are ten seconds. It's instant"),
    ("The day off happened. “I can’t fix him, I can just turn up,” she said.", "I can’t fix him, I can just turn up"),
    ('[PERSON_1] told her the consultants "are starting to come to you first".', None),  # someone else's words
    ('Came via [PERSON_2] (CEO) who "wants her more strategic".', None),
    ('He called it "fine".', None),  # too short to stand for anything
    # words put in someone else's mouth, or the coach's own (found by an adversarial review)
    ("She said her boss told her “you are not leadership material yet”.", None),
    ("She said [PERSON_1] called her “the fixer who never sleeps”.", None),
    ("Her husband came up again. He said “you are never home for the kids anyway”.", None),  # the client is "she"
    ("I asked “what would you lose by saying no?” She said yes.", None),
    ("When she said no, I asked “what would it cost you to stop”.", None),
])
def test_the_clients_own_words_are_found_where_a_note_quotes_them(text: str, said: str | None) -> None:
    from reflect.core.material import client_words

    assert client_words(text, "she") == said


def test_a_quote_shown_for_a_question_keeps_its_start_and_its_words() -> None:
    from reflect.core.services.insight import _around

    said = "you love those decks more than you love us"
    text = f"[PERSON_1] and her team were there again and the decks kept coming, with no end in sight for anyone at all, and then she said, “{said}” and left."
    shown = _around(text, said)
    assert said in shown and "…" in shown and "PERSON_1]" not in shown.replace("[PERSON_1]", "")  # never a broken placeholder
    assert _around("She said, “I can’t fix him”. The rest.", "I can’t fix him").startswith("She said")


def test_a_theme_is_asked_through_the_clients_own_words_when_the_note_quotes_them(fake_practice) -> None:
    p = fake_practice
    c = p.roster.add_client("Maria Gonzalez")
    p.notes.add(c, [NoteInput(date(2026, 1, 5 + 7 * i), text, "t") for i, text in enumerate([
        "She reviews every deck herself and works late on the decks.",
        'She reviews every deck herself again. She said, "if I let go of the decks, nobody will catch the mistakes."',
        "She reviews every deck herself; the decks keep her late.",
    ])])
    themes = p.insight.themes(c)
    assert themes
    anchors = p.insight.anchors(c, themes)
    quoted = [a for a in anchors.values() if a.said]
    assert quoted and quoted[0].said == "if I let go of the decks, nobody will catch the mistakes"
    assert quoted[0].said in quoted[0].passage.text  # the cited passage shows the words the question quotes
    asked = theme_questions(themes, anchors, limit=5)
    assert any(q.text == "When you said “if I let go of the decks, nobody will catch the mistakes”, what was underneath that?" for q in asked)


def test_a_found_theme_is_not_named_by_a_word_seen_once_nor_by_a_list_of_words(fake_practice, monkeypatch) -> None:
    import numpy as np

    p = fake_practice
    c = p.roster.add_client("Maria Gonzalez")

    def embed(client_id: int, texts: list[str]) -> np.ndarray:  # "Shrug" is the closest in meaning to the quotes
        size = p.components.embedder.embed(["x"]).shape[1]
        return np.asarray([np.eye(size)[0 if t == "Shrug" or " " in t and t[0].isupper() else 1] for t in texts])

    monkeypatch.setattr(p.context, "embed", embed)
    sessions = [Evidence(i, f"2026-01-0{i}", "", 0) for i in (1, 2, 3)]
    quotes = ["Shrug about the hiring plan", "The deadline was moved", "The budget is gone"]
    theme = Theme("plan / hiring / shrug", "emergent", sessions, [0.5] * 3, [Evidence(i, f"2026-01-0{i}", q, 0) for i, q in enumerate(quotes, 1)],
                  "steady", keyphrases=["plan", "hiring", "shrug"])
    p.insight._name(c, [theme])
    assert theme.label.split(": ")[-1].lower() == "hiring plan", theme.label  # the one phrase of more than a passing word
    lone = Theme("stalled / budget", "emergent", sessions, [0.5] * 3, [Evidence(1, "2026-01-01", "Shrug.", 0)], "steady", keyphrases=["stalled", "budget"])
    p.insight._name(c, [lone])
    assert " / " not in lone.label, lone.label  # nothing better than a word: the word, never a list


def test_a_third_partys_words_are_not_quoted_as_the_clients(fake_practice) -> None:
    p = fake_practice
    c = p.roster.add_client("Maria Gonzalez")
    p.notes.add(c, [NoteInput(date(2026, 1, 5 + 7 * i), text, "t") for i, text in enumerate([
        "She reviews every deck herself and works late on the decks.",
        'She reviews every deck herself again. He said, "if I let go of the decks, nobody will catch the mistakes."',
        "She reviews every deck herself; the decks keep her late.",
    ])])
    notes = p.context.store.notes(c.id)
    sessions = [Evidence(n.id, n.date.isoformat(), "", 0) for n in notes[:2]]  # the latest session is the one with the quotation
    themes = [Theme("Decks", "emergent", sessions, [0.5, 0.5], [Evidence(notes[0].id, sessions[0].date, notes[0].redacted, 0)], "steady")]  # type: ignore[arg-type]
    anchors = p.insight.anchors(c, themes)
    assert anchors and not any(a.said for a in anchors.values())  # the notes call the client "she": "He said" is someone else
    assert not any("nobody will catch" in q.text for q in theme_questions(themes, anchors, limit=5))
