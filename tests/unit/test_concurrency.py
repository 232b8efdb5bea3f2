"""Overlapping actions, as the terminal app's workers make them: saving notes while prep, themes and
search run, adding clients during an import, the roster changing meanwhile. With the real store (one
SQLite connection per thread) and real Chroma indexes; fakes only for the models. Any exception, or
any write lost, fails the test."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from pathlib import Path

from reflect.core.components import Components
from reflect.core.embedding import HashEmbedder
from reflect.core.llm import FakeLLM
from reflect.core.noteinput import NoteInput
from reflect.core.opener import open_practice
from reflect.core.phrases import SimplePhrases
from reflect.core.redaction.fake import FakeDetector
from tests.conftest import FAST_KDF

TEXT = "Session {i}. We talked about delegation and the board deck. Agreed: she will ask Raj Patel for feedback by Friday."


def test_overlapping_actions_never_crash_or_lose_a_write(tmp_path: Path) -> None:
    p = open_practice(tmp_path / "practice", kdf=FAST_KDF, components=Components(phrases=SimplePhrases(), detector=FakeDetector(), embedder=HashEmbedder(), llm=FakeLLM()))
    try:
        maria = p.roster.add_client("Maria Gonzalez")
        p.notes.add(maria, [NoteInput(date(2026, 1, 1), TEXT.format(i=0), "t")])
        errors: list[BaseException] = []
        start = threading.Barrier(5)

        def worker(fn):
            def run():
                try:
                    start.wait(10)
                    fn()
                except BaseException as exc:  # noqa: BLE001 - any failure fails the test
                    errors.append(exc)
            return threading.Thread(target=run)

        def save_notes():
            for i in range(1, 13):
                p.notes.add(maria, [NoteInput(date(2026, 1, 1) + timedelta(days=7 * i), TEXT.format(i=i), "t")])

        def import_other_client():
            kenji = p.roster.add_client("Kenji Watanabe")
            p.notes.add(kenji, [NoteInput(date(2026, 2, 1) + timedelta(days=i), TEXT.format(i=i), "t") for i in range(15)])

        def add_clients():
            for i in range(8):
                p.roster.add_client(f"Client Number{i} Example")

        def read_and_prep():
            for _ in range(4):
                p.insight.search(maria, "delegation")
                p.insight.themes(maria)
                p.insight.prep(maria)

        def roster_changes():
            for name in ("Tom Becker", "Ana Lima", "Ola Nordmann"):
                p.roster.add_person(maria, name)

        threads = [worker(f) for f in (save_notes, import_other_client, add_clients, read_and_prep, roster_changes)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert not errors, [f"{type(e).__name__}: {e}" for e in errors]
        assert len(p.notes.list(maria)) == 13
        assert len(p.notes.list(p.roster.client("Kenji Watanabe"))) == 15
        assert len(p.roster.clients()) == 10
        assert len(p.roster.people(maria)) == 3
        assert len(p.upkeep.audit(maria)) == 4  # every prompt recorded, none rolled back with another's transaction
        assert p.context.index(maria).count() == sum(len(p.context.passages(n)) for n in p.notes.list(maria))
        assert all(ch.ok is not False for ch in p.upkeep.redaction_scan())
    finally:
        p.close()
