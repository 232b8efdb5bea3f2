"""The redaction gate with a fake detector: roster forms, learning, consistency, fail closed."""

from __future__ import annotations

import pytest

from reflect.core.errors import RedactionError
from reflect.core.redaction.fake import FakeDetector
from reflect.core.redaction.gate import CLIENT_PLACEHOLDER, Detection, PseudonymMap, RedactionGate
from reflect.core.redaction.text import fold, normalise, span_back


def client_map(name: str = "Maria Gonzalez", *aliases: str) -> PseudonymMap:
    pmap = PseudonymMap()
    pmap.learn("PERSON", name, CLIENT_PLACEHOLDER)
    for alias in aliases:
        pmap.add("PERSON", alias, CLIENT_PLACEHOLDER)
    pmap.new_rows.clear()  # as if loaded from the store
    return pmap


class NoDetector:
    def detect(self, text):
        return []


@pytest.mark.parametrize(
    "text",
    [
        "Maria said no.",
        "maria said no.",
        "MARIA said no.",
        "Maria's team said no.",
        "Maria Gonzalez said no.",
        "maria\ngonzalez said no.",
        "M\u00e1ria said no.",
        "Ma\u200bria said no.",
        "spoke w/ maria gonzalez today",
        "M. Gonzalez said no.",
        "m gonzalez said no.",
        "GR\u00c1INNE said no.",
    ],
)
def test_client_name_is_redacted_in_every_form(text: str) -> None:
    result = RedactionGate(NoDetector()).redact(text, client_map("Maria Gonzalez", "Gr\u00e1inne"))
    for secret in ("maria", "gonzalez", "grainne"):
        assert secret not in fold(result.redacted)
    assert result.redacted.startswith(CLIENT_PLACEHOLDER) or CLIENT_PLACEHOLDER in result.redacted
    assert "M." not in result.redacted


def test_a_pseudonymous_client_name_with_a_number_and_a_placeholder_word() -> None:
    """A coach may call a client "Client 7": the name is redacted, other 7s and the word "client"
    inside placeholders are not identifiers (found by the themes benchmark: the leak check refused
    every note of such a client)."""
    text = "Client 7 has 7 reports and was a client of ours in 2017; Client 7's boss agreed."
    result = RedactionGate(NoDetector()).redact(text, client_map("Client 7"))
    assert result.redacted == "[CLIENT] has 7 reports and was a client of ours in 2017; [CLIENT]'s boss agreed."


def test_possessive_stays_readable() -> None:
    result = RedactionGate(NoDetector()).redact("Maria's boss", client_map())
    assert result.redacted == "[CLIENT]'s boss"


def test_common_word_alias_only_matches_capitalised() -> None:
    pmap = PseudonymMap()
    pmap.learn("PERSON", "Will Turner", "[PERSON_1]")
    result = RedactionGate(NoDetector()).redact("We will ask Will about it. will turner agreed.", pmap)
    assert result.redacted == "We will ask [PERSON_1] about it. [PERSON_1] agreed."


def test_learned_names_get_one_placeholder_across_notes() -> None:
    gate = RedactionGate(FakeDetector())
    pmap = client_map()
    first = gate.redact("Maria met Raj Patel about the budget.", pmap)
    second = gate.redact("later, raj and patel disagreed; RAJ left.", pmap)
    assert first.redacted == "[CLIENT] met [PERSON_1] about the budget."
    assert second.redacted == "later, [PERSON_1] and [PERSON_1] disagreed; [PERSON_1] left."
    assert {row[3] for row in pmap.new_rows} == {"[PERSON_1]"}


def test_structured_identifier_wins_over_a_name_inside_it() -> None:
    result = RedactionGate(FakeDetector()).redact("write to maria.g@example.org", client_map())
    assert result.redacted == "write to [EMAIL_1]"
    assert [e.type for e in result.entities] == ["EMAIL"]


def test_overlap_merges_to_union_so_no_fragment_leaks() -> None:
    class Overlapping:
        def detect(self, text):
            return [Detection("PERSON", 0, 10), Detection("PERSON", 5, 18)]

    result = RedactionGate(Overlapping()).redact("Anna Maria Lopez-Ruiz x", PseudonymMap())
    assert result.redacted.startswith("[PERSON_1]")
    assert "Lopez" not in result.redacted


def test_entities_point_at_the_original_text() -> None:
    text = "call Ma\u200bria on +44 20 7946 0958 today"
    result = RedactionGate(FakeDetector()).redact(text, client_map())
    spans = {e.placeholder: text[e.start : e.end] for e in result.entities}
    assert spans["[CLIENT]"] == "Ma\u200bria"
    assert spans["[PHONE_1]"] == "+44 20 7946 0958"


def test_reidentify_round_trip_and_unknown_placeholders_stay_literal() -> None:
    gate = RedactionGate(FakeDetector())
    pmap = client_map()
    redacted = gate.redact("Maria met Raj Patel.", pmap).redacted
    assert pmap.reidentify(redacted) == "Maria Gonzalez met Raj Patel."
    assert pmap.reidentify("[PERSON_9] and [CLIENT]") == "[PERSON_9] and Maria Gonzalez"


def test_detector_failure_fails_closed_without_text_in_the_message() -> None:
    with pytest.raises(RedactionError) as info:
        RedactionGate(FakeDetector(fail=True)).redact("Maria secret canary", client_map())
    assert "canary" not in str(info.value)
    assert "nothing was stored" in str(info.value)


def test_maps_are_independent_per_client() -> None:
    gate = RedactionGate(FakeDetector())
    a, b = client_map("Maria Gonzalez"), client_map("Kenji Watanabe")
    gate.redact("Maria met Raj Patel.", a)
    result = gate.redact("Kenji talked about raj.", b)
    assert "raj" in result.redacted  # B's map never learned A's people
    assert b.lookup("raj") is None


def test_normalise_maps_offsets_back() -> None:
    folded, index = normalise("Gr\u00e1\u200binne X", fold=True)
    assert folded == "grainne x"
    assert span_back(index, 0, 7) == (0, 8)


def test_a_name_learned_late_in_a_note_is_redacted_earlier_in_it_too() -> None:
    result = RedactionGate(FakeDetector()).redact("raj was late. then Raj Patel apologised.", client_map())
    assert result.redacted == "[PERSON_1] was late. then [PERSON_1] apologised."


@pytest.mark.parametrize("text", ["Plain ASCII, Mixed Case.", "Caf\u00e9 \u00c9LAN stra\u00dfe Ma\u200bria \u2014 ok", "", "\u00ad"])
def test_fast_and_slow_normalise_paths_agree(text: str) -> None:
    import unicodedata

    folded, index = normalise(text, fold=True)
    assert len(index) == len(folded) + 1 and index[-1] == len(text)
    expected = "".join(
        "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c)).casefold()
        for ch in text
        if unicodedata.category(ch) != "Cf"
    ).replace("\u2014", "-")  # a dash between words folds to a hyphen, like every typographic variant
    assert folded == expected


def test_roster_names_match_in_every_case_learned_common_words_only_capitalised() -> None:
    roster = PseudonymMap()
    roster.register("PERSON", "Mark Chen")
    assert RedactionGate(NoDetector()).redact("told mark; MARK agreed", roster).redacted == "told [PERSON_1]; [PERSON_1] agreed"
    learned = PseudonymMap()
    learned.learn("PERSON", "Mark Chen", "[PERSON_1]")
    assert RedactionGate(NoDetector()).redact("mark the date; Mark agreed", learned).redacted == "mark the date; [PERSON_1] agreed"


def test_placeholder_shaped_input_is_defused() -> None:
    pmap = client_map()
    result = RedactionGate(NoDetector()).redact("print [PERSON_1] and [CLIENT] for me, Maria", pmap)
    assert result.redacted == "print (PERSON_1) and (CLIENT) for me, [CLIENT]"
    assert pmap.reidentify(result.redacted) == "print (PERSON_1) and (CLIENT) for me, Maria Gonzalez"
