"""Server mode against real servers the suite starts on loopback ports it picks: ``chroma run`` and
llama-cpp-python's OpenAI-compatible server with the default GGUF, each behind a recording proxy so
the tests read exactly what crossed the wire. The whole flow (add notes -> search -> themes -> prep ->
followup -> re-redaction -> forget) runs through the CLI; the model server must have received only
redacted text, and the index server vectors and positions only (no text at all)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
from typer.testing import CliRunner

from reflect.cli import Options, app
from reflect.core.components import Components
from tests.integration.servers import RecordingProxy, chroma_server, free_port, llama_server

pytestmark = [pytest.mark.integration, pytest.mark.slow]

DEMO = Path(__file__).resolve().parents[2] / "reflect" / "demo_data" / "maria"

# Identifiers in the notes (each must reach no server) and a plain content word (it reaches the
# model, redacted notes and all, but never the index: the index gets no text).
IDENTIFIERS = ["Maria", "Gonzalez", "Mari ", "Daniel", "Okafor", "Northwind", "Priya", "Raman", "maria.g@northwind-analytics.com", "7700 900123", "Lucia"]
CONTENT_WORD = "zebrafish"

CANARY_NOTE = (
    "Maria opened by saying the zebrafish pilot finally shipped. Daniel Okafor signed off the budget and she "
    "e-mailed him from maria.g@northwind-analytics.com the same evening; his assistant rang back on +44 7700 900123.\n\n"
    "She noticed she delegated the zebrafish review to Priya without checking every line, and it went fine. "
    "Agreed: she will hand the quarterly roadmap to Priya Raman and only review the summary.\n"
)


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    root = tmp_path_factory.mktemp("servers")
    with (
        chroma_server(root / "chroma") as chroma_port,
        llama_server(root / "llama") as llama_port,
        RecordingProxy(llama_port) as model_proxy,
        RecordingProxy(chroma_port) as index_proxy,
    ):
        yield SimpleNamespace(root=root, chroma_dir=root / "chroma", chroma_port=chroma_port, model=model_proxy, index=index_proxy)


@pytest.fixture(scope="module")
def engines(real_detector, real_embedder) -> Components:
    # Redaction and embedding on this machine (real Presidio, real MiniLM); the model and the index
    # are built from the settings, i.e. on the servers.
    return Components(detector=real_detector, embedder=real_embedder)


def cli(engines: Components, *args: str, env: dict[str, str]) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), obj=Options(components=engines), env=env)
    return result.exit_code, result.stdout, result.stderr


def server_names(port: int) -> list[str]:
    import chromadb
    from chromadb.config import Settings

    client = chromadb.HttpClient(host="127.0.0.1", port=port, settings=Settings(anonymized_telemetry=False))
    return sorted(c.name for c in client.list_collections())


def files_holding(directory: Path, needles: list[bytes]) -> list[str]:
    found = []
    for path in directory.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            found += [f"{path.name}: {n!r}" for n in needles if n in data]
    return found


def test_the_whole_flow_against_real_servers_sends_only_redacted_text_and_vectors(servers, engines, tmp_path) -> None:
    # tokens from the environment (the servers here do not check them; the proxies see them sent)
    env = {"REFLECT_INDEX_URL": servers.index.url, "REFLECT_MODEL_TOKEN": "model-token-1", "REFLECT_INDEX_TOKEN": "index-token-2"}
    model = ("--model-url", servers.model.url)
    notes = tmp_path / "notes"
    notes.mkdir()
    for f in sorted(DEMO.glob("*.md"))[:5]:
        shutil.copy(f, notes / f.name)
    (notes / "2026-11-24.md").write_text(CANARY_NOTE, encoding="utf-8")
    before = set(server_names(servers.chroma_port))

    def run(*args: str) -> str:
        code, out, err = cli(engines, *model, *args, env=env)
        assert code == 0, (args, code, err)
        return out

    run("client", "add", "Maria Gonzalez", "--alias", "Mari")
    run("person", "add", "Maria Gonzalez", "Daniel Okafor", "--alias", "Dan", "--role", "CFO")
    run("person", "add", "Maria Gonzalez", "Northwind Analytics", "--alias", "Northwind", "--role", "employer")
    run("person", "add", "Maria Gonzalez", "Sam Gonzalez", "--role", "husband")
    run("person", "add", "Maria Gonzalez", "Priya Raman", "--role", "direct report")
    added = json.loads(run("note", "add", "Maria Gonzalez", *map(str, sorted(notes.glob("*.md"))), "--json"))["notes"]
    assert len(added) == 6

    # one new collection on the server, with an opaque name: no name, no client id
    collections = set(server_names(servers.chroma_port)) - before
    assert len(collections) == 1
    (name,) = collections
    client_id = json.loads(run("client", "list", "--json"))["clients"][0]["id"]
    assert client_id not in name and "maria" not in name.lower()

    found = json.loads(run("search", "Maria Gonzalez", "who signed off the budget", "--json"))["results"]
    assert found and {r["note_id"] for r in found} <= {n["id"] for n in added}
    assert any(CONTENT_WORD in r["text"] for r in found)  # text put back from the local store
    themes = json.loads(run("themes", "Maria Gonzalez", "--json"))["themes"]
    assert themes and all(t["sessions"] for t in themes)

    # a name put on the roster afterwards: notes re-redacted, the collection replaced on the server
    run("person", "add", "Maria Gonzalez", "Lucia", "--role", "daughter")
    assert set(server_names(servers.chroma_port)) - before == {name}  # replaced under the same name, no "-new" left
    assert json.loads(run("search", "Maria Gonzalez", "roadmap summary review", "--json"))["results"]
    prep = json.loads(run("prep", "Maria Gonzalez", "--json"))
    assert len(prep["questions"]) == 5
    followup = json.loads(run("followup", "Maria Gonzalez", "--json"))
    assert followup["questions"] and followup["recap"]


    # --- what crossed the wire -----------------------------------------------------------------
    to_model = [b.decode("utf-8") for b in servers.model.bodies()]
    chats = [json.loads(b) for b in to_model if b.startswith("{") and '"messages"' in b]
    assert len(chats) >= 2  # prep and followup reached the model server
    sent = "\n".join(m["content"] for chat in chats for m in chat["messages"])
    assert "[CLIENT]" in sent and CONTENT_WORD in sent  # the notes did reach it, redacted
    leaked = [i for i in IDENTIFIERS if i.lower() in sent.lower()]
    assert not leaked, f"the model server received identifiers: {leaked}"

    to_index = b"\n".join(servers.index.bodies())
    assert b"embeddings" in to_index  # vectors did reach it
    for needle in [*IDENTIFIERS, CONTENT_WORD, "[CLIENT]", client_id]:
        assert needle.lower().encode() not in to_index.lower(), f"the index server received {needle!r}"
    for body in servers.index.bodies():
        if body.startswith(b"{"):
            sent_docs = json.loads(body).get("documents")
            assert not sent_docs or all(d is None for d in sent_docs)
    assert not files_holding(servers.chroma_dir, [i.encode() for i in IDENTIFIERS] + [CONTENT_WORD.encode()])

    assert set(servers.model.authorizations) == {"Bearer model-token-1"}
    assert set(servers.index.authorizations) == {"Bearer index-token-2"}

    # doctor: the mode, each server reachable and its address allowed
    code, out, _ = cli(engines, *model, "doctor", "--json", env=env)
    checks = {c["name"]: c for c in json.loads(out)["checks"]}
    assert servers.model.url in checks["mode"]["detail"] and servers.index.url in checks["mode"]["detail"]
    for check in ("model server address", "model server reachable", "index server address", "index server reachable"):
        assert checks[check]["ok"] is True, checks[check]
    assert "REFLECT_MODEL_TOKEN" in checks["model server reachable"]["detail"] and "model-token-1" not in out
    assert checks[f"index {client_id}"]["ok"] is True

    # forget deletes the client's collection on the server
    run("forget", "Maria Gonzalez", "--yes")
    assert set(server_names(servers.chroma_port)) - before == set()


def test_each_client_has_a_collection_of_their_own(servers, engines, tmp_path) -> None:
    env = {"REFLECT_INDEX_URL": servers.index.url, "REFLECT_HOME": str(tmp_path / "practice")}
    before = set(server_names(servers.chroma_port))
    for name, text in (("Kenji Watanabe", "He talked about the warehouse move and sleeping badly."),
                       ("Aisling Byrne", "She is hiring a head of sales and doubts her pitch.")):
        assert cli(engines, "client", "add", name, env=env)[0] == 0
        note = tmp_path / f"{name.split()[0]}.md"
        note.write_text(text, encoding="utf-8")
        assert cli(engines, "note", "add", name, str(note), "--date", "2026-11-02", env=env)[0] == 0
    assert len(set(server_names(servers.chroma_port)) - before) == 2
    code, out, _ = cli(engines, "search", "Kenji Watanabe", "hiring sales pitch", "--json", env=env)
    assert code == 0
    assert all("sales" not in r["text"] for r in json.loads(out)["results"])  # never the other client's note
    assert cli(engines, "forget", "Kenji Watanabe", "--yes", env=env)[0] == 0
    assert len(set(server_names(servers.chroma_port)) - before) == 1
    assert cli(engines, "forget", "Aisling Byrne", "--yes", env=env)[0] == 0
    assert set(server_names(servers.chroma_port)) - before == set()


def test_a_server_that_is_down_is_one_line_and_stores_nothing(servers, engines, tmp_path) -> None:
    home = tmp_path / "practice"
    env = {"REFLECT_HOME": str(home), "REFLECT_INDEX_URL": servers.index.url}
    assert cli(engines, "client", "add", "Tom Becker", env=env)[0] == 0
    note = tmp_path / "n.md"
    note.write_text("Tom wants to stop rewriting his team's slides.", encoding="utf-8")
    assert cli(engines, "note", "add", "Tom Becker", str(note), "--date", "2026-11-01", env=env)[0] == 0
    dead = f"http://127.0.0.1:{free_port()}"

    code, out, err = cli(engines, "--model-url", dead, "prep", "Tom Becker", env=env)
    assert code == 5 and err.count("\n") == 1 and "model server" in err and "not reachable" in err

    code, out, err = cli(engines, "note", "add", "Tom Becker", str(note), "--date", "2026-11-08", env={**env, "REFLECT_INDEX_URL": dead})
    assert code == 9 and err.count("\n") == 1 and "index server" in err
    code, out, _ = cli(engines, "note", "list", "Tom Becker", "--json", env=env)
    assert len(json.loads(out)["notes"]) == 1  # the note was not stored
    # forget cannot erase the server's vectors while it is down: it erases nothing and says so
    code, out, err = cli(engines, "forget", "Tom Becker", "--yes", env={**env, "REFLECT_INDEX_URL": dead})
    assert code == 9 and "index server" in err
    assert cli(engines, "note", "list", "Tom Becker", env=env)[0] == 0
    assert cli(engines, "forget", "Tom Becker", "--yes", env=env)[0] == 0


def test_what_the_chroma_server_keeps_after_forget_until_vacuumed(tmp_path) -> None:
    """The README's account of the server's disk: Chroma's collection delete leaves the vectors and
    metadata in its SQLite log, which ``chroma vacuum`` on the stopped server removes; the collection's
    segment folder stays behind either way."""
    import subprocess

    import numpy as np

    from reflect.core.domain import Passage
    from reflect.core.index_server import ChromaServerIndex, connect
    from reflect.core.netpolicy import check
    from tests.integration.servers import chroma_binary

    data = tmp_path / "chroma"
    vectors = np.random.default_rng(5).random((40, 384)).astype(np.float32)
    needles = [vectors[3].tobytes()[:16], vectors[31].tobytes()[:16], b"digestcanary"]
    with chroma_server(data) as port:
        endpoint = check(f"http://127.0.0.1:{port}")
        index = ChromaServerIndex(connect(endpoint, token=None, ca_file=None, connect_timeout_s=5, read_timeout_s=60), "rtestcollection", endpoint)
        index.add([Passage(7, "", "", k, 0.0, f"digestcanary{k:02d}") for k in range(40)], vectors)
        index.erase()
    assert files_holding(data, needles), "the vectors were expected in Chroma's log after a collection delete"
    subprocess.run([chroma_binary(), "vacuum", "--path", str(data), "--force"], check=True, capture_output=True, timeout=120)
    sqlite = [p for p in data.iterdir() if p.is_file()]
    assert sqlite and not any(n in p.read_bytes() for p in sqlite for n in needles)  # the log is clean after vacuum
    # ...but the deleted collection's segment folder (HNSW files, named by a UUID) stays on disk even
    # after vacuum, and its files can hold stale bytes (a CI run found a digest fragment in length.bin):
    # the README tells the coach to remove such folders, or rely on disk encryption.
    assert [p for p in data.iterdir() if p.is_dir()], "Chroma now removes a deleted collection's segment folder: update the README"


def test_switching_an_existing_practice_to_the_servers_and_back_is_configuration(servers, engines, tmp_path) -> None:
    home = tmp_path / "practice"
    embedded = {"REFLECT_HOME": str(home)}
    served = {**embedded, "REFLECT_INDEX_URL": servers.index.url}
    note = tmp_path / "n.md"
    note.write_text("Kenji wants to stop rewriting his team's slides and trust their drafts.", encoding="utf-8")
    assert cli(engines, "client", "add", "Kenji Watanabe", env=embedded)[0] == 0
    assert cli(engines, "note", "add", "Kenji Watanabe", str(note), "--date", "2026-11-01", env=embedded)[0] == 0
    before = set(server_names(servers.chroma_port))

    # the same practice, now with index_url: its empty collection is filled from the store on first use
    code, out, err = cli(engines, "search", "Kenji Watanabe", "trusting the team's drafts", "--json", env=served)
    assert code == 0, err
    assert json.loads(out)["results"] and "slides" in json.loads(out)["results"][0]["text"]
    assert len(set(server_names(servers.chroma_port)) - before) == 1
    # and back: the local index directory is still there and answers
    code, out, _ = cli(engines, "search", "Kenji Watanabe", "trusting the team's drafts", "--json", env=embedded)
    assert code == 0 and json.loads(out)["results"]
    assert cli(engines, "forget", "Kenji Watanabe", "--yes", env=served)[0] == 0
    assert set(server_names(servers.chroma_port)) - before == set()
