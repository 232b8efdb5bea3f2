"""Quotes are the coach's exact words: a name comes back as it was written in that note."""

from __future__ import annotations

from datetime import date

from reflect.core.noteinput import NoteInput
from reflect.core.redaction.surface import restore, surface_forms
from reflect.render import brief_markdown

FORMS = {"[PERSON_1]": {"bex", "rebecca hartley"}, "[PERSON_2]": {"tom", "tom becker"}, "[ORG_1]": {"northwind"}}
DISPLAY = {"[PERSON_1]": "Rebecca Hartley", "[PERSON_2]": "Tom Becker", "[ORG_1]": "Northwind Analytics"}
ORIGINAL = "Bex (Rebecca Hartley) met  Tom at Northwind;\nTom said no."
REDACTED = "[PERSON_1] ([PERSON_1]) met [PERSON_2] at [ORG_1];\n[PERSON_2] said no."


def test_each_placeholder_gets_the_form_written_there() -> None:
    assert surface_forms(ORIGINAL, REDACTED) == [
        ("[PERSON_1]", "Bex"), ("[PERSON_1]", "Rebecca Hartley"), ("[PERSON_2]", "Tom"), ("[ORG_1]", "Northwind"), ("[PERSON_2]", "Tom"),
    ]
    assert restore("[PERSON_1] ([PERSON_1]) met", ORIGINAL, REDACTED, FORMS, DISPLAY) == "Bex (Rebecca Hartley) met"
    assert restore("[PERSON_2] at [ORG_1]; [PERSON_2] said…", ORIGINAL, REDACTED, FORMS, DISPLAY) == "Tom at Northwind; Tom said…"


def test_what_does_not_align_gets_the_display_name_never_other_text() -> None:
    assert restore("not in the note [PERSON_1]", ORIGINAL, REDACTED, FORMS, DISPLAY) == "not in the note Rebecca Hartley"
    # A surface that is not a form the map holds for that placeholder is not shown.
    assert restore("[PERSON_2] at", ORIGINAL, REDACTED, {**FORMS, "[PERSON_2]": {"tom becker"}}, DISPLAY) == "Tom Becker at"


def test_the_brief_quotes_an_alias_as_written(fake_practice) -> None:
    p = fake_practice
    c = p.roster.add_client("Rebecca Hartley", ["Bex"])
    p.notes.add(c, [
        NoteInput(date(2026, 1, 5), "Bex opened with the budget. Rebecca Hartley, as she signs, will send the plan to the board by Friday.", "t"),
        NoteInput(date(2026, 1, 12), "Bex says the budget is still stuck and the board keeps asking for the plan again and again.", "t"),
    ])
    brief = p.insight.prep(c)
    reid = p.roster.reidentifier(c)
    text = brief_markdown(brief, reid)
    assert "Bex says the budget is still stuck" in text
    assert "Rebecca Hartley says the budget" not in text
    assert reid("[CLIENT] says") == "Rebecca Hartley says"  # outside a quote: the display name


def test_sentences_of_a_note_joined_are_each_given_the_form_written_there() -> None:
    # an extractive recap joins sentences that do not stand together in the note
    original = "Bex met Tom. The budget slipped again. Tom said no."
    redacted = "[PERSON_1] met [PERSON_2]. The budget slipped again. [PERSON_2] said no."
    assert restore("[PERSON_1] met [PERSON_2]. [PERSON_2] said no.", original, redacted, FORMS, DISPLAY) == "Bex met Tom. Tom said no."


def test_the_clients_words_a_question_quotes_are_shown_as_written() -> None:
    from reflect.core.domain import Evidence, Question
    from reflect.render import asked

    class Reid:
        def __call__(self, text: str) -> str:
            return restore(text, "", "x", FORMS, DISPLAY)

        def quote(self, text: str, note_id: int) -> str:
            return restore(text, ORIGINAL, REDACTED, FORMS, DISPLAY)

    q = Question("When you said “[PERSON_2] said no”, what did [PERSON_2] want?", "theme", [Evidence(3, "2026-01-05", "", 0)])
    assert asked(Reid(), q) == "When you said “Tom said no”, what did Tom Becker want?"  # quoted as written; outside the quote, the display name


def test_lines_of_shorthand_joined_are_each_given_the_form_written_there() -> None:
    original = "Bex unsure re promotion\nTom back from leave\nBex to ask Tom"
    redacted = "[PERSON_1] unsure re promotion\n[PERSON_2] back from leave\n[PERSON_1] to ask [PERSON_2]"
    # the follow-up's recap closes each line with a stop and joins them
    assert restore("[PERSON_1] unsure re promotion. [PERSON_1] to ask [PERSON_2].", original, redacted, FORMS, DISPLAY) == "Bex unsure re promotion. Bex to ask Tom."
