"""Foundation benchmarks: ingest throughput, search latency, model tokens/s through reflect vs raw
llama-cpp-python, model load times, peak memory and cold ``reflect --help``.

Run:  .venv/bin/python benchmarks/foundation.py [--notes 200] [--search-chunks 5000]
Prints a Markdown table and writes benchmarks/results/foundation.json. Uses the real models.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from synthetic import notes as synthetic_notes  # noqa: E402

from reflect.core import hardening  # noqa: E402

BENCH_PASSPHRASE = "benchmark passphrase (synthetic data only)"

hardening.apply()


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GB RAM, Python {platform.python_version()}, {platform.system()}"


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def bench_help(runs: int = 10) -> dict:
    exe = Path(sys.executable).with_name("reflect")
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run([str(exe), "--help"], capture_output=True, check=True)
        times.append(time.perf_counter() - t)
    return {"help_median_s": statistics.median(times), "help_min_s": min(times)}


def bench_loads() -> tuple[dict, object, object]:
    from reflect.core.embedding import MiniLMEmbedder
    from reflect.core.redaction.presidio import PresidioDetector

    t = time.perf_counter()
    detector = PresidioDetector()
    t_det = time.perf_counter() - t
    t = time.perf_counter()
    embedder = MiniLMEmbedder()
    t_emb = time.perf_counter() - t
    return {"load_detector_s": t_det, "load_embedder_s": t_emb}, detector, embedder


def bench_ingest(detector, embedder, n: int) -> dict:
    from reflect.core.components import Components
    from reflect.core.noteinput import NoteInput
    from reflect.core.opener import open_practice

    texts = synthetic_notes(n)
    chars = statistics.mean(len(t) for t in texts)
    start_day = date(2025, 1, 1)
    inputs = [NoteInput(start_day + timedelta(days=i), t, f"synthetic {i}") for i, t in enumerate(texts)]
    with tempfile.TemporaryDirectory() as tmp, open_practice(Path(tmp), passphrase=BENCH_PASSPHRASE, components=Components(detector=detector, embedder=embedder)) as p:
        client = p.roster.add_client("Maria Gonzalez")
        p.roster.add_person(client, "Tom Becker")
        p.notes.add(client, inputs[:2])  # warm-up: first-call costs (spaCy, onnxruntime, Chroma)
        t = time.perf_counter()
        for i in range(2, n, 20):
            p.notes.add(client, inputs[i : i + 20])
        elapsed = time.perf_counter() - t
        chunks = p.context.index(client).count()
    # The naive library floor on the same notes: Presidio analyze + MiniLM on ~3-sentence chunks.
    from reflect.core.chunking import chunk

    t = time.perf_counter()
    for text in texts[2:]:
        detector.analyzer.analyze(text=text, language="en")
        embedder.embed(chunk(text))
    floor = time.perf_counter() - t
    ingested = n - 2
    return {
        "ingest_notes": ingested,
        "ingest_mean_chars": round(chars),
        "ingest_notes_per_s": ingested / elapsed,
        "ingest_chunks": chunks,
        "floor_notes_per_s": ingested / floor,
        "ingest_vs_floor": elapsed / floor,
    }


def bench_search(detector, embedder, chunks_target: int, queries: int = 60) -> dict:

    from reflect.core.components import Components
    from reflect.core.noteinput import NoteInput
    from reflect.core.opener import open_practice

    texts = synthetic_notes(max(1, chunks_target // 7), seed=7)
    with tempfile.TemporaryDirectory() as tmp, open_practice(Path(tmp), passphrase=BENCH_PASSPHRASE, components=Components(detector=detector, embedder=embedder)) as p:
        client = p.roster.add_client("Maria Gonzalez")
        start_day = date(2020, 1, 1)
        inputs = [NoteInput(start_day + timedelta(days=i), t, "s") for i, t in enumerate(texts)]
        for i in range(0, len(inputs), 50):
            p.notes.add(client, inputs[i : i + 50])
        count = p.context.index(client).count()
        qs = ["delegation and letting go", "conflict with the CFO", "sleep and burnout", "board presentation nerves",
              "what did Tom say about deadlines", "priorities for the quarter"]
        p.insight.search(client, qs[0], 5)  # warm-up
        total, redact, embed, index = [], [], [], []
        idx = p.context.index(client)
        for i in range(queries):
            q = qs[i % len(qs)]
            t0 = time.perf_counter()
            p.insight.search(client, q, 5)
            total.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            rq = p.components.gate.redact(q, p.context.map(client).copy()).redacted
            t1 = time.perf_counter()
            v = p.components.embedder.embed([rq])[0]
            t2 = time.perf_counter()
            idx.query(v, 5)
            t3 = time.perf_counter()
            redact.append(t1 - t0)
            embed.append(t2 - t1)
            index.append(t3 - t2)
    ms = lambda xs, q: round(1000 * pct(xs, q), 1)  # noqa: E731
    return {
        "search_chunks": count,
        "search_p50_ms": ms(total, 0.5), "search_p95_ms": ms(total, 0.95),
        "search_redact_p50_ms": ms(redact, 0.5), "search_embed_p50_ms": ms(embed, 0.5),
        "search_index_p50_ms": ms(index, 0.5), "search_index_p95_ms": ms(index, 0.95),
    }


def bench_tokens(runs: int = 3) -> dict:
    from reflect.core.llm import LlamaCppModel
    from reflect.core.models import locate, manifest

    t = time.perf_counter()
    model = LlamaCppModel(locate("chat"), sha256=manifest()["chat"].sha256, n_ctx=4096, n_threads=2, seed=7)
    load = time.perf_counter() - t
    messages = [
        {"role": "system", "content": "You help an executive coach prepare the next session."},
        {"role": "user", "content": "Notes: [1] She still reviews every pull request herself and struggles to delegate. "
                                    "[2] Her CFO challenged her budget in front of the CEO.\nWrite five open questions for the next session."},
    ]

    def raw_once() -> tuple[int, float]:
        t0 = time.perf_counter()
        n = 0
        for chunk in model.llm.create_chat_completion(messages=messages, temperature=0.0, top_k=1, seed=0, max_tokens=200,
                                                      repeat_penalty=1.15, stream=True):
            if chunk["choices"][0].get("delta", {}).get("content"):
                n += 1
        return n, time.perf_counter() - t0

    def reflect_once() -> tuple[int, float]:
        g = model.generate(messages, None, max_tokens=200, timeout_s=120)
        return g.tokens, g.seconds

    raw_once()  # warm-up
    raw, ours = [], []
    for _ in range(runs):  # interleaved, so load on the machine hits both alike
        n, s = raw_once()
        raw.append(n / s)
        n, s = reflect_once()
        ours.append(n / s)
    from reflect.core.questions import schema

    g = model.generate(messages, schema(2, 5), max_tokens=300, timeout_s=120)
    return {
        "load_llm_s": load,
        "raw_tokens_per_s": statistics.median(raw),
        "reflect_tokens_per_s": statistics.median(ours),
        "reflect_vs_raw": statistics.median(ours) / statistics.median(raw),
        "schema_tokens_per_s": g.tokens_per_s,
    }


def bench_demo_rss(data: Path) -> dict:
    exe = Path(sys.executable).with_name("reflect")
    env = {**os.environ, "REFLECT_HOME": str(data)}
    t = time.perf_counter()
    proc = subprocess.run(["/usr/bin/time", "-v", str(exe), "demo", "--json"], capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - t
    rss_kb = next((int(l.split(":")[1]) for l in proc.stderr.splitlines() if "Maximum resident set size" in l), 0)
    return {"demo_wall_s": elapsed, "demo_peak_rss_mb": rss_kb / 1024, "demo_ok": proc.returncode == 0}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--notes", type=int, default=200)
    parser.add_argument("--search-chunks", type=int, default=5000)
    args = parser.parse_args()
    results: dict = {"machine": machine(), "date": date.today().isoformat()}
    results.update(bench_help())
    loads, detector, embedder = bench_loads()
    results.update(loads)
    results.update(bench_ingest(detector, embedder, args.notes))
    results.update(bench_search(detector, embedder, args.search_chunks))
    results.update(bench_tokens())
    with tempfile.TemporaryDirectory() as tmp:
        results.update(bench_demo_rss(Path(tmp)))
    results["bench_process_peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out = HERE / "results" / "foundation.json"
    out.write_text(json.dumps(results, indent=2))
    r = results
    print(f"Machine: {r['machine']} ({r['date']})\n")
    print("| measure | result | target |\n| --- | --- | --- |")
    print(f"| ingest, {r['ingest_notes']} notes of ~{r['ingest_mean_chars']} chars, models loaded | {r['ingest_notes_per_s']:.1f} notes/s ({r['ingest_chunks']} chunks) | ≥ 10 notes/s |")
    print(f"| naive library floor (Presidio analyze + MiniLM per chunk), same notes | {r['floor_notes_per_s']:.1f} notes/s; reflect takes {r['ingest_vs_floor']:.2f}× the floor's time | within 1.5× |")
    print(f"| search at {r['search_chunks']} chunks, p50 / p95 (redact query + embed + query) | {r['search_p50_ms']} / {r['search_p95_ms']} ms | p95 < 50 ms |")
    print(f"| of which Chroma query p50 / p95 | {r['search_index_p50_ms']} / {r['search_index_p95_ms']} ms | |")
    print(f"| tokens/s through reflect vs raw llama-cpp-python, same prompt, same run | {r['reflect_tokens_per_s']:.0f} vs {r['raw_tokens_per_s']:.0f} tok/s = {r['reflect_vs_raw']:.2f} | ≥ 0.9 |")
    print(f"| tokens/s with the JSON-schema grammar (questions) | {r['schema_tokens_per_s']:.0f} tok/s | |")
    print(f"| model loads: Presidio + spaCy / MiniLM / SmolLM2 (incl. sha256) | {r['load_detector_s']:.2f} / {r['load_embedder_s']:.2f} / {r['load_llm_s']:.2f} s | |")
    print(f"| `reflect demo` end to end (3 clients, 15 notes, one prep) | {r['demo_wall_s']:.1f} s, peak RSS {r['demo_peak_rss_mb']:.0f} MB | RSS < 1.5 GB |")
    print(f"| cold `reflect --help`, median / min of 10 | {r['help_median_s']:.2f} / {r['help_min_s']:.2f} s | < 0.5 s |")


if __name__ == "__main__":
    main()
