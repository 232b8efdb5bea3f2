"""The model's part, honestly: a capable model's good questions are accepted, and generic, closed,
ungrounded or leaking ones are rejected with the reason.

A scripted model stands in for a capable one: it reads the numbered passages it is shown (what a real
model would see) and writes one specific question per passage from that passage's own words, in
several phrasings. The pipeline must accept at least 90 % of them across varied clients; and a
scripted model that writes the typical failures must have every one rejected, each with its reason.
"""

from __future__ import annotations

import json
import re
from datetime import date

from reflect.core.llm import Messages
from reflect.core.noteinput import NoteInput

HISTORIES = {
    "Maria Gonzalez": [
        "Maria reviews every pull request herself and works late most nights. Her deputy Tom Becker waits for her sign-off.",
        "She froze when the CFO challenged her headcount plan at the board meeting. Agreed: she will prepare three answers in advance.",
        "The reorganisation rumour is back; she is excited and scared about doubling her scope.",
        "Her mother's hospital visits take every Sunday now and her brother does not help.",
    ],
    "Kenji Watanabe": [
        "Kenji wants the director promotion but avoids networking events and internal visibility.",
        "His daughter is struggling at school and he left the quarterly review early twice.",
        "Kenji snapped at a junior engineer during the incident review and regretted it afterwards.",
        "He drafted the promotion case but has not shown it to his manager Aiko Tanaka.",
    ],
    "Amara Okafor": [
        "Amara is moving the family to Lisbon in the summer and the house sale is stuck.",
        "The fundraising round drags on; two investors asked for more traction data.",
        "She says yes to every request from the board and resents the evenings it costs her.",
        "Amara cried talking about her father's death last spring; the anniversary is close.",
    ],
}
_TEMPLATES = [
    "What feels hardest about {p} right now?",
    "How would you like {p} to look in three months?",
    "What would change for you if {p} went the way you hope?",
    "Where do you notice {p} affecting your week?",
    "Which part of {p} is most within your control?",
]
_STOP = {"the", "a", "an", "her", "his", "she", "he", "and", "of", "to", "at", "in", "on", "for", "is", "are", "was", "but", "with", "every", "most", "now", "back"}


def _passages(messages: Messages) -> list[tuple[int, str]]:
    user = next(m["content"] for m in messages if m["role"] == "user")
    return [(int(n), text) for n, text in re.findall(r"^\[(\d+)\] \([^)]*\) (.+)$", user, re.M)]


def _phrase(text: str) -> str:
    """Two or three content words of the passage in a row, as a capable model would pick up."""
    words = [w for w in re.findall(r"[a-z][a-z'-]+", re.sub(r"\[[A-Z_0-9]+\]", " ", text.lower()))]
    for i in range(len(words) - 1):
        if words[i] not in _STOP and words[i + 1] not in _STOP:
            return f"the {words[i]} {words[i + 1]}"
    return f"the {next(w for w in words if w not in _STOP)}"


def good_model(messages: Messages) -> str:
    qs = [{"question": _TEMPLATES[i % len(_TEMPLATES)].format(p=_phrase(text)), "passage": n} for i, (n, text) in enumerate(_passages(messages))]
    return json.dumps({"questions": qs[:5], "recap": "We talked about what is taking [CLIENT]'s time and what could change next."})


def _client_with_notes(p, name: str, texts: list[str]):
    c = p.roster.add_client(name)
    p.notes.add(c, [NoteInput(date(2026, 1, 5 + 7 * i), t, "t") for i, t in enumerate(texts)])
    return c


def test_a_capable_models_specific_grounded_questions_are_accepted(fake_practice) -> None:
    p = fake_practice
    proposed = accepted = 0
    for name, texts in HISTORIES.items():
        c = _client_with_notes(p, name, texts)
        p.components.llm.outputs.append(good_model)
        result = p.insight.questions(c)
        shown = len(json.loads(good_model(p.components.llm.prompts[-1]))["questions"])
        proposed += shown
        from_model = [q for q in result.questions if q.source == "model"]
        accepted += shown - len(result.rejected)
        assert from_model, result.status
        for q in from_model:
            assert q.why.startswith("written by the model") and q.evidence
        assert all(name.split()[0] not in q.text for q in result.questions)
    assert accepted / proposed >= 0.9, (accepted, proposed)


def test_generic_closed_ungrounded_and_leaking_questions_are_rejected_with_the_reason(fake_practice) -> None:
    p = fake_practice
    c = _client_with_notes(p, "Maria Gonzalez", HISTORIES["Maria Gonzalez"])
    p.roster.add_person(c, "Tom Becker", role="deputy")
    bad = {
        "What would make our time today feel worthwhile to you?": "generic",
        "Did you talk to your deputy about the pull requests?": "not an open question",
        "What do you think about the weather in Spain this spring?": "not about the passage",
        "How is Tom Becker handling the pull requests?": "identifier",
        "How will you prepare for [PERSON_9] and the board?": "unknown placeholder",
        "What would change if you read https://example.org about pull requests?": "links",
    }
    p.components.llm.outputs.append(json.dumps({"questions": [{"question": q, "passage": 1} for q in bad]}))
    result = p.insight.questions(c)
    assert not [q for q in result.questions if q.source == "model"]
    assert len(result.rejected) == len(bad)  # in the order proposed, each with its reason
    for (question, why), (reason, kept) in zip(bad.items(), result.rejected):
        assert why in reason, (question, reason)
        assert kept == ("" if why == "identifier" else question)  # a raw name is never kept, even in the rejects


def test_a_capable_model_names_emergent_themes_and_a_name_that_names_someone_is_refused(fake_practice) -> None:
    from reflect.core.domain import Evidence, Theme

    p = fake_practice
    c = _client_with_notes(p, "Maria Gonzalez", HISTORIES["Maria Gonzalez"])
    p.roster.add_person(c, "Tom Becker", role="deputy")
    ev = [Evidence(1, "2026-01-05", "[CLIENT] reviews every pull request herself and works late most nights.", 0)]
    themes = [Theme(f"t{i}", "", ev, [0.5], list(ev), "steady", ["pull", "requests"]) for i in range(4)]
    p.components.llm.outputs.append(json.dumps({"names": [
        {"theme": 1, "name": "Reviewing every pull request"},  # kept: about its quotes
        {"theme": 2, "name": "Tom Becker and pull requests"},  # about its quotes, but names someone: refused
        {"theme": 3, "name": "Quarterly weather in Spain"},  # not about its quotes: refused
        {"theme": 4, "name": "Everything"},  # one word: refused
    ]}))
    kept = p.insight._model_names(c, themes, None, None)
    assert kept == 1 and themes[0].label == "Reviewing every pull request" and "named by the model" in themes[0].description
    assert [t.label for t in themes[1:]] == ["t1", "t2", "t3"]
    assert "Tom" not in json.dumps(p.components.llm.prompts[-1])  # the model saw only redacted quotes
