"""Prep and questions quality with the real models, and commitment extraction.

Run:  .venv/bin/python benchmarks/prep.py [--clients 10] [--model PATH] [--use-model always|auto]
Writes benchmarks/results/prep.json and prints a Markdown table. Uses the demo practice and the first
N client histories of benchmarks/data/coaching_notes.json, so it needs no outside data; SMARTSpan goal
recall is added when ../shared/datasets is present.

Per model answer: schema-valid (parses into the expected shape), and over the model's raw questions:
open-question rate, duplicate rate, citation validity (cites a passage that exists), and how many of
the five final questions came from the bank (fallback rate). Leaks: any roster name (client, aliases,
people around them) in the recorded prompts or the model's raw output.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
DATASETS = HERE.parent.parent / "shared" / "datasets"


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def names_of(practice, client) -> list[str]:
    """Every roster name and each part of it, except function words ("Smith and Jones" -> not "and")."""
    from reflect.core.redaction.gate import stop_words

    names = [client.name, *client.aliases] + [p.name for p in practice.roster.people(client)]
    parts = {part for n in names for part in re.split(r"[\s.]+", n) if len(part) >= 3 and part.lower() not in stop_words()}
    return sorted(set(names) | parts)


def leaks(text: str, names: list[str]) -> list[str]:
    return [n for n in names if re.search(rf"(?<!\w){re.escape(n)}(?!\w)", text, re.IGNORECASE)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--model", default=None)
    parser.add_argument("--use-model", default="always", choices=["always", "auto", "never"],
                        help="always (default here): ask the model, to measure what it writes; auto: as reflect ships")
    args = parser.parse_args()
    from reflect.core.commitments import extract
    from reflect.core.demo import DEMO_PASSPHRASE, load_demo, reset_demo_dir
    from reflect.core.noteinput import NoteInput
    from reflect.core.opener import open_practice
    from reflect.core.questions import CLOSED_STARTS, OPEN_STARTS, near_duplicate
    from reflect.settings import Settings

    results: dict = {"date": date.today().isoformat(), "model": args.model or "SmolLM2-135M-Instruct Q4_1 (default)"}
    suffix = "" if args.use_model == "always" else f"-{args.use_model}"
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "practice"
        reset_demo_dir(root)
        practice = open_practice(root, settings=Settings.load(None, model=args.model, use_model=args.use_model), passphrase=DEMO_PASSPHRASE)
        load_demo(practice)
        data = json.loads((HERE / "data" / "coaching_notes.json").read_text(encoding="utf-8"))
        for spec in data["clients"][: args.clients]:
            client = practice.roster.add_client(spec["name"], spec["aliases"])
            for person in spec["roster"]:
                practice.roster.add_person(client, person["name"], role=person["role"])
            practice.notes.add(client, [NoteInput(date.fromisoformat(n["date"]), n["text"], "set") for n in spec["notes"]])
        raw_total = raw_open = raw_dup = raw_cited = schema_ok = answers = 0
        bank = final = 0
        prompt_leaks: list[str] = []
        output_leaks: list[str] = []
        latencies, tps = [], []
        sources: dict[str, int] = {}
        for summary in practice.roster.clients():
            client = summary.client
            started = time.perf_counter()
            brief = practice.insight.prep(client)
            latencies.append(time.perf_counter() - started)
            qs = practice.insight.questions(client)
            answers += 1
            gen = qs.generation
            if gen is not None and gen.tokens_per_s:
                tps.append(gen.tokens_per_s)
            names = names_of(practice, client)
            for row in practice.upkeep.audit(client):
                prompt_leaks += leaks(row.prompt, names)
            output_leaks += leaks(gen.text if gen is not None else "", names)
            for source in {q.source for q in brief.questions}:
                sources[source] = sources.get(source, 0) + sum(q.source == source for q in brief.questions)
            final += len(brief.questions)
            bank += sum(q.source == "bank" for q in brief.questions)
            try:
                items = json.loads(gen.text if gen is not None else "")["questions"]
                assert isinstance(items, list)
                schema_ok += 1
            except (ValueError, KeyError, TypeError, AssertionError):
                items = []
            seen: list[str] = []
            for item in items:
                if not isinstance(item, dict) or not isinstance(item.get("question"), str):
                    continue
                text = re.sub(r"^\s*(?:\d+\s*[.):-]|[-*•])\s*", "", item["question"]).strip()
                raw_total += 1
                low = text.lower()
                raw_open += low.startswith(OPEN_STARTS) and not low.startswith(CLOSED_STARTS) and low.endswith("?")
                raw_dup += any(near_duplicate(text, s) for s in seen)
                seen.append(text)
                raw_cited += isinstance(item.get("passage"), int) and 1 <= item["passage"] <= 6
        practice.close()
    results.update({
        "clients": answers,
        "schema_valid_rate": schema_ok / answers,
        "fallback_rate": bank / final,
        "use_model": args.use_model,
        "question_sources": sources,
        "raw_questions": raw_total,
        "open_question_rate": raw_open / max(1, raw_total),
        "duplicate_rate": raw_dup / max(1, raw_total),
        "citation_valid_rate": raw_cited / max(1, raw_total),
        "prompt_identifier_leaks": prompt_leaks,
        "output_identifier_leaks": output_leaks,
        "prep_latency_median_s": statistics.median(latencies),
        "prep_latency_p95_s": pct(latencies, 0.95),
        "tokens_per_s_median": statistics.median(tps) if tps else 0.0,
    })
    labelled = json.loads((HERE / "data" / "commitments_labelled.json").read_text())["sentences"]
    tp = sum(bool(extract(s["text"])) and s["commitment"] for s in labelled)
    fp = sum(bool(extract(s["text"])) and not s["commitment"] for s in labelled)
    fn = sum(not extract(s["text"]) and s["commitment"] for s in labelled)
    results["commitments_labelled"] = {"precision": tp / max(1, tp + fp), "recall": tp / max(1, tp + fn), "sentences": len(labelled)}
    smart = DATASETS / "smartspan" / "goals_all.json"
    if smart.is_file():
        notes = json.loads(smart.read_text())
        words = lambda t: set(re.findall(r"[a-z]{3,}", t.lower()))  # noqa: E731
        hit = total = 0
        for n in notes:
            found = extract(n["note"])
            for goal in n["goals"]:
                total += 1
                gw = words(re.sub(r"\(Confidence.*", "", goal))
                hit += any(len(gw & words(e)) / max(1, len(gw)) >= 0.6 for e in found)
        results["smartspan_goal_recall"] = hit / total
    (HERE / "results" / f"prep{suffix}.json").write_text(json.dumps(results, indent=2))
    r = results
    print(f"model: {r['model']}; {r['clients']} clients (3 demo + {args.clients} from the coaching set)\n")
    print("| measure | result | target |\n| --- | --- | --- |")
    print(f"| schema-valid model answers | {r['schema_valid_rate']:.0%} | 100 % or cleanly replaced |")
    print(f"| final questions from the question bank (fallback rate) | {r['fallback_rate']:.0%} | |")
    print(f"| where the brief's questions came from | {', '.join(f'{k} {v}' for k, v in sorted(r['question_sources'].items()))} | |")
    print(f"| model's raw questions: open / duplicate / valid citation | {r['open_question_rate']:.0%} / {r['duplicate_rate']:.0%} / {r['citation_valid_rate']:.0%} "
          f"({r['raw_questions']} questions) | |")
    print(f"| identifier leaks in prompts / model outputs | {len(r['prompt_identifier_leaks'])} / {len(r['output_identifier_leaks'])} | 0 / 0 |")
    print(f"| prep latency median / p95 (themes, commitments, model, validation) | {r['prep_latency_median_s']:.1f} / {r['prep_latency_p95_s']:.1f} s | |")
    print(f"| model tokens/s (JSON grammar) | {r['tokens_per_s_median']:.0f} | |")
    c = r["commitments_labelled"]
    print(f"| commitment extraction, labelled set ({c['sentences']} sentences) precision / recall | {c['precision']:.2f} / {c['recall']:.2f} | |")
    if "smartspan_goal_recall" in r:
        print(f"| SMARTSpan goals found as commitments (recall) | {r['smartspan_goal_recall']:.2f} | |")


if __name__ == "__main__":
    main()
