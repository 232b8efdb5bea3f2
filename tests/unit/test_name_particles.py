"""A particle inside a name is no name on its own: a client called Fatima Al-Sayed does not turn
"Eid al-Adha" into "Eid [CLIENT]", and the check at the hand-off agrees with the gate (no endless
"run reflect reindex" for a stored note the gate left as it was). Found on notes a helper wrote."""

from __future__ import annotations

from datetime import date

from reflect.core.noteinput import NoteInput


def test_an_article_of_a_surname_is_not_the_client(fake_practice) -> None:
    p = fake_practice
    c = p.roster.add_client("Fatima Al-Sayed", ["Fatima"])
    p.notes.add(c, [NoteInput(date(2025, 6, 10), "Eid al-Adha on the 6th. Fatima Al-Sayed spoke to Sayed's team; Al-Sayed agreed.", "t")])
    note = p.notes.list(c)[0]
    assert "Eid al-Adha on the 6th" in note.redacted
    assert "Fatima" not in note.redacted and "Sayed" not in note.redacted
    assert p.context.outbound(c.id).leaks(note.redacted) == 0  # the hand-off finds nothing to replace


def test_a_particle_that_opens_a_name_stays_a_name(fake_practice) -> None:
    p = fake_practice
    c = p.roster.add_client("Al Gore")
    p.notes.add(c, [NoteInput(date(2025, 6, 10), "Al called about the board.", "t")])
    assert p.notes.list(c)[0].redacted.startswith("[CLIENT] called")


def test_the_hand_off_judges_an_everyday_word_of_a_name_as_the_gate_does() -> None:
    from reflect.core.boundary import MapOnly, Outbound
    from reflect.core.redaction.gate import PseudonymMap, RedactionGate

    pmap = PseudonymMap(rows=[])
    pmap.register("ORG", "Northgate Bank", [])
    gate = RedactionGate(MapOnly())  # the gate with the English word lists Presidio gives it, no detector
    pmap.register("PERSON", "Owen Price", [])
    redacted = gate.redact("He has been at the bank 22 years; Northgate Bank wants him back. The price went up, Owen said.", pmap).redacted
    assert "at the bank 22 years" in redacted and "The price went up" in redacted
    assert "Northgate" not in redacted and "Owen" not in redacted
    out = Outbound(pmap, "c")
    assert out.leaks(redacted) == 0 and out.text(redacted) == redacted and out.caught == 0  # nothing more to catch, no warning
