"""Redaction on the real detector (Presidio + en_core_web_sm + reflect's recognizers): identifiers that
stock Presidio misses are caught, and coaching content survives."""

from __future__ import annotations

import pytest

from reflect.core.redaction.gate import CLIENT_PLACEHOLDER, PseudonymMap, RedactionGate
from reflect.core.redaction.presidio import restore_case

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def gate(real_detector):
    return RedactionGate(real_detector)


def redact(gate, text: str, pmap: PseudonymMap | None = None) -> str:
    return gate.redact(text, pmap or PseudonymMap()).redacted


@pytest.mark.parametrize(
    "text, secret",
    [
        ("She lives at 12 Elm Road with her kids.", "Elm Road"),
        ("He moved to 4 Rue de la Paix, Paris 75002, France.", "Rue de la Paix"),
        ("Her office is at Brucker Bundesstrasse 31, Vienna.", "Bundesstrasse 31"),
        ("Send it to PO Box 4411 please.", "4411"),
        ("Call her on +44 7700 900123 after six.", "7700 900123"),
        ("Call (415) 555-0100 tomorrow.", "555-0100"),
        ("Her mobile is 668 5702.", "668 5702"),
        ("Card number 4933 8703 0403 8678 was used.", "4933"),
        ("IBAN GB82 WEST 1234 5698 7654 32 for the invoice.", "GB82"),
        ("Employee ID: EMP-44821 in the HR system.", "44821"),
        ("Write to maria at example dot org about it.", "example dot org"),
        ("Her daughter turns 16 next week.", "16"),
        ("Postcode NW1 6XE, near the station.", "NW1 6XE"),
        ("The server is at 192.168.10.24 now.", "192.168.10.24"),
        ("SSN 078-05-1120 was on the form.", "078-05-1120"),
        ("They had three: Gaetane, Hannah and Derek.", "Derek"),
        ("Met with SEINÄJOKI team lead KAISA VIRTANEN.", "VIRTANEN"),
        ("Zoom link https://zoom.us/j/98765432101 for Friday.", "98765432101"),
        ("Her profile is linkedin.com/in/kaisa-virtanen-42 now.", "kaisa-virtanen"),
        ("Their shop site is bluewave-studio.com if you look.", "bluewave-studio.com"),
        ("She lives on Elm St, zip 90210, near the park.", "90210"),
        ("Booking ref: BK-7781-QX for the offsite.", "7781"),
        ("Her birthday is 12 March; DOB 04/11/1979.", "12 March"),
        ("Appointment with the oncologist on March 3rd, 2026.", "March 3rd"),
        ("NI number AB 12 34 56 C on file.", "AB 12 34 56 C"),
        ("spoke w/ priya about the launch.", "priya"),
        ("Met Amber Williams from finance.", "Amber Williams"),
        ("Call her on 3386138813.", "3386138813"),
    ],
)
def test_identifiers_beyond_stock_presidio(gate, text: str, secret: str) -> None:
    assert secret not in redact(gate, text)


@pytest.mark.parametrize(
    "text",
    [
        "Delegation came up again: she reviews every pull request herself.",
        "The board meeting went well and the CFO backed her plan.",
        "Her 360 results showed burnout risk and impostor feelings.",
        "We discussed OKRs for Q3 and the SLT offsite.",
        "Will you try saying no to one meeting this week? She will.",
        "Grant proposals are due in March; hope is high.",
    ],
)
def test_coaching_content_survives(gate, text: str) -> None:
    assert redact(gate, text) == text


def test_case_restoration_keeps_offsets_and_acronyms() -> None:
    text = "MARIA met the CEO in ESPOO. NW1 6XE stays."
    restored = restore_case(text)
    assert len(restored) == len(text)
    assert restored == "Maria met the CEO in Espoo. NW1 6XE stays."


def test_roster_and_learned_names_in_lower_case_shorthand(gate) -> None:
    pmap = PseudonymMap()
    pmap.add("PERSON", "Raj Patel", "[PERSON_1]")
    pmap.add("PERSON", "Raj", "[PERSON_1]")
    pmap.add("PERSON", "Maria Gonzalez", CLIENT_PLACEHOLDER)
    pmap.add("PERSON", "Maria", CLIENT_PLACEHOLDER)
    out = redact(gate, "spoke w/ raj re: budget. maria's boss = RAJ PATEL.", pmap)
    assert "raj" not in out.lower() and "maria" not in out.lower()
    assert out.count("[PERSON_1]") == 2 and "[CLIENT]'s boss" in out


def test_only_reflect_speaks_on_stderr_when_a_note_names_a_facility(tmp_path) -> None:
    """Presidio warned "Entity FAC is not mapped" once per note with a facility: the label is mapped
    deliberately now, and library warnings stay out of the coach's terminal (they show with --verbose).
    The real CLI in a subprocess, so logging is set up as a coach gets it."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "REFLECT_HOME": str(tmp_path / "data"), "REFLECT_PASSPHRASE": "correct horse battery staple"}
    note = tmp_path / "2026-01-05.md"
    note.write_text("Offsite at the Hilton Garden Inn near Heathrow Terminal 5 with the whole team.", encoding="utf-8")

    def reflect(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "reflect", *args], env=env, capture_output=True, text=True, timeout=300)

    assert reflect("client", "add", "Maria Gonzalez").returncode == 0
    added = reflect("note", "add", "Maria Gonzalez", str(note))
    assert added.returncode == 0, added.stderr
    assert added.stderr == ""
    shown = reflect("note", "show", "Maria Gonzalez", "1", "--redacted").stdout
    assert "Hilton" not in shown
