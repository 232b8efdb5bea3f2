"""A small deterministic detector for unit tests: e-mail addresses, phone numbers and runs of two
capitalised words (as PERSON), or exactly the spans a test gives it. Never used by the product."""

from __future__ import annotations

import re

from reflect.core.redaction.gate import Detection


class FakeDetector:
    def __init__(self, fail: bool = False):
        self.fail = fail
        self.calls = 0

    def detect(self, text: str) -> list[Detection]:
        self.calls += 1
        if self.fail:
            raise RuntimeError("injected detector failure")
        found = [Detection("EMAIL_ADDRESS", m.start(), m.end()) for m in re.finditer(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", text)]
        found += [Detection("PHONE_NUMBER", m.start(), m.end()) for m in re.finditer(r"\+?\d[\d ()-]{7,}\d", text)]
        found += [Detection("PERSON", m.start(), m.end()) for m in re.finditer(r"\b[A-Z][a-z]+ [A-Z][a-z]+\b", text)]
        return found
