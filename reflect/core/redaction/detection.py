"""What a detector reports: the ``Detection`` span, the ``Detector`` protocol every detector meets
(Presidio in the product, a fake in unit tests), and how detector entity types map to placeholder
labels (``LABELS``, ``NAME_TYPES``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

#: Detector entity type -> placeholder label.
LABELS: dict[str, str] = {
    "PERSON": "PERSON",
    "ORGANIZATION": "ORG",
    "ORG": "ORG",
    "LOCATION": "LOCATION",
    "STREET_ADDRESS": "ADDRESS",
    "POSTCODE": "POSTCODE",
    "EMAIL_ADDRESS": "EMAIL",
    "PHONE_NUMBER": "PHONE",
    "URL": "URL",
    "IP_ADDRESS": "IP",
    "US_SSN": "ID",
    "UK_NINO": "ID",
    "UK_NHS": "ID",
    "US_PASSPORT": "ID",
    "US_DRIVER_LICENSE": "ID",
    "US_BANK_NUMBER": "ID",
    "ID_NUMBER": "ID",
    "CREDIT_CARD": "CARD",
    "IBAN_CODE": "IBAN",
    "AGE": "AGE",
    "DATE_OF_BIRTH": "DATE",
}

#: Types whose surfaces are names: later mentions are found by string match, and a multi-word
#: person name also teaches its parts ("Raj Patel" -> "Raj", "Patel").
NAME_TYPES = {"PERSON", "ORG", "LOCATION"}


@dataclass(frozen=True)
class Detection:
    """A span a detector believes is an identifier."""

    type: str
    start: int
    end: int
    score: float = 1.0


class Detector(Protocol):
    """Finds identifiers in a text. The real one is Presidio + spaCy; tests use a fake."""

    def detect(self, text: str) -> list[Detection]: ...
