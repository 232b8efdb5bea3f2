"""Embedded vs server mode: the same flow (add notes -> search -> themes -> prep -> followup ->
re-redaction -> forget) on the same machine, once with the local GGUF and a Chroma directory per
client, once against llama-cpp-python's OpenAI-compatible server (same default GGUF, same threads)
and a ``chroma run`` server, both started here on loopback ports. Redaction and embedding run in this
process in both modes. Reports each phase and the ratio server / embedded.

Run:  .venv/bin/python benchmarks/servers.py [--notes 40] [--queries 30] [--out benchmarks/results/servers.json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from foundation import BENCH_PASSPHRASE, machine  # noqa: E402
from synthetic import notes as synthetic_notes  # noqa: E402

from reflect.core import hardening  # noqa: E402

hardening.apply()

QUERIES = ["delegation and letting go", "conflict with the CFO", "sleep and burnout", "board presentation nerves",
           "feedback to a direct report", "promotion and visibility", "work and family", "hiring decisions"]


def flow(components, settings, texts: list[str], queries: int) -> dict[str, float]:
    from reflect.core.noteinput import NoteInput
    from reflect.core.opener import open_practice

    out: dict[str, float] = {}
    inputs = [NoteInput(date(2026, 1, 5) + timedelta(days=7 * i), t, f"s{i}") for i, t in enumerate(texts)]
    with tempfile.TemporaryDirectory() as tmp, open_practice(Path(tmp), settings=settings, passphrase=BENCH_PASSPHRASE, components=components) as p:
        warm = p.roster.add_client("Warm Up")
        p.notes.add(warm, inputs[:2])  # first-call costs (spaCy, onnxruntime, Chroma, the server's connection)
        p.insight.search(warm, "warm up", 3)
        client = p.roster.add_client("Maria Gonzalez")
        p.roster.add_person(client, "Tom Becker")
        t = time.perf_counter()
        p.notes.add(client, inputs)
        out["add notes (s)"] = time.perf_counter() - t
        times = []
        for i in range(queries):
            t = time.perf_counter()
            p.insight.search(client, QUERIES[i % len(QUERIES)], 5)
            times.append(time.perf_counter() - t)
        out["search p50 (ms)"] = statistics.median(times) * 1000
        t = time.perf_counter()
        p.insight.themes(client)
        out["themes (s)"] = time.perf_counter() - t
        pieces: list[str] = []
        t = time.perf_counter()
        p.insight.prep(client, on_text=pieces.append)
        out["prep (s)"] = time.perf_counter() - t
        t = time.perf_counter()
        p.insight.followup(client, on_text=pieces.append)
        out["followup (s)"] = time.perf_counter() - t
        out["model output, prep + followup (tokens)"] = len(pieces)
        out["model tokens/s incl. prompt (prep + followup)"] = len(pieces) / (out["prep (s)"] + out["followup (s)"])
        t = time.perf_counter()
        p.roster.add_person(client, "Priya Raman")  # re-redaction: the client's index replaced whole
        out["roster change, index replaced (s)"] = time.perf_counter() - t
        t = time.perf_counter()
        p.upkeep.forget(client)
        out["forget (s)"] = time.perf_counter() - t
        p.upkeep.forget(warm)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--notes", type=int, default=40)
    ap.add_argument("--queries", type=int, default=30)
    ap.add_argument("--out", type=Path, default=HERE / "results" / "servers.json")
    args = ap.parse_args()

    from reflect.core.components import Components
    from reflect.core.embedding import MiniLMEmbedder
    from reflect.core.redaction.presidio import PresidioDetector
    from reflect.settings import Settings
    from tests.integration.servers import chroma_server, llama_server

    detector, embedder = PresidioDetector(), MiniLMEmbedder()
    texts = synthetic_notes(args.notes, seed=3)
    embedded_settings = Settings(n_threads=2)
    embedded = flow(Components(embedded_settings, detector=detector, embedder=embedder), embedded_settings, texts, args.queries)
    with tempfile.TemporaryDirectory() as tmp:
        with chroma_server(Path(tmp) / "chroma") as chroma_port, llama_server(Path(tmp) / "llama", n_threads=2) as llama_port:
            server_settings = Settings(n_threads=2, model_url=f"http://127.0.0.1:{llama_port}", index_url=f"http://127.0.0.1:{chroma_port}")
            served = flow(Components(server_settings, detector=detector, embedder=embedder), server_settings, texts, args.queries)
    rows = [{"phase": k, "embedded": embedded[k], "servers": served[k], "ratio": served[k] / embedded[k] if embedded[k] else None} for k in embedded]
    load = os.getloadavg()
    result = {"date": date.today().isoformat(), "machine": machine(), "load_average": load, "notes": args.notes, "queries": args.queries, "rows": rows}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    print(f"Measured on {result['date']} on: {result['machine']}; load average at the end {load[0]:.1f}; {args.notes} notes of ~1,500 chars, one client\n")
    print("| phase | embedded | loopback servers | servers / embedded |\n| --- | --- | --- | --- |")
    for r in rows:
        print(f"| {r['phase']} | {r['embedded']:.2f} | {r['servers']:.2f} | {r['ratio']:.2f}× |")


if __name__ == "__main__":
    main()
