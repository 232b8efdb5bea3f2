"""The app's prep streams from a model *server* the same way, and Escape closes the stream: the
stand-in OpenAI-compatible server (loopback, port picked by the test) sees the connection dropped
long before it has sent its whole answer."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from textual.widgets import Markdown, Static

from reflect.core.components import Components
from reflect.core.embedding import HashEmbedder
from reflect.core.index import MemoryIndex
from reflect.core.llm_server import ServerModel
from reflect.core.netpolicy import check
from reflect.core.noteinput import NoteInput
from reflect.core.opener import open_practice
from reflect.core.redaction.fake import FakeDetector
from reflect.settings import Settings
from reflect.tui.app import ReflectApp
from tests.conftest import FAST_KDF
from tests.unit.test_llm_server import Stub, serve


async def test_escape_cancels_a_prep_streaming_from_a_model_server(tmp_path: Path) -> None:
    stub = Stub()
    stub.mode = "slow-stream"
    stub.pieces = ['{"questions": [', *(['{"question": "What ', 'would help?", "passage": 1}, '] * 200), "]}"]
    server = serve(stub)
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        model = ServerModel(check(url), backoff_s=0.01)
        indexes: dict[str, MemoryIndex] = {}
        engines = Components(detector=FakeDetector(), embedder=HashEmbedder(), llm=model,
                             index_factory=lambda path: indexes.setdefault(str(path), MemoryIndex()))
        with open_practice(tmp_path / "practice", settings=Settings(model_url=url), kdf=FAST_KDF, components=engines) as practice:
            c = practice.roster.add_client("Maria Gonzalez")
            practice.notes.add(c, [NoteInput(date(2026, 1, 1), "Maria wants to delegate the deck.", "t"),
                                   NoteInput(date(2026, 1, 8), "Maria delegated the deck to the team.", "t")])
            app = ReflectApp(practice)
            async with app.run_test(size=(120, 40)) as pilot:
                await pilot.pause()
                await pilot.press("p")
                for _ in range(200):
                    if stub.sent >= 5:
                        break
                    await pilot.pause(0.05)
                assert stub.sent >= 5  # the answer is streaming in
                await pilot.pause(0.2)
                assert "model server is writing" in str(app.query_one("#stream", Static).render())
                await pilot.press("escape")
                await pilot.pause()
                await app.workers.wait_for_complete()
                await pilot.pause()
                assert "cancelled" in str(app.query_one("#stream", Static).render()).lower()
                assert "Prep brief" not in app.query_one("#brief", Markdown).source
            assert stub.closed_early.wait(5)
            assert stub.sent < len(stub.pieces)
            prompt = stub.requests[0]["body"]["messages"][-1]["content"]
            assert "Maria" not in prompt and "[CLIENT]" in prompt
    finally:
        server.shutdown()
        server.server_close()
