"""Redaction quality: reflect's own coaching-notes set (benchmarks/data/coaching_notes.json, client
histories with rosters), the presidio-research synthetic set and the SMARTSpan coaching notes (already
anonymised: every detection there is a false positive).

Run:  .venv/bin/python benchmarks/redaction.py [--limit N]
The outside sets are skipped cleanly when ../shared/datasets is absent. Writes benchmarks/results/redaction.json.

Scoring follows presidio-research's type-agnostic, token-level evaluation: a token is PII when a gold
span covers it, predicted PII when a redacted entity overlaps it; recall, precision and F2 over tokens.
Gold types reflect does not try to redact are reported as unsupported (their tokens are left out of the
headline figures and counted separately), never silently dropped:
DATE_TIME (session dates are coaching content), TITLE (Mr, Dr) and NRP (nationality, religion).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATASETS = HERE.parent.parent / "shared" / "datasets"

UNSUPPORTED = {"DATE_TIME", "TITLE", "NRP"}
TOKEN = re.compile(r"\w+|[^\w\s]")


def tokens(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in TOKEN.finditer(text)]


def covered(span: tuple[int, int], spans: list[tuple[int, int]]) -> bool:
    return any(s < span[1] and e > span[0] for s, e in spans)


def score_synth(gate_factory, limit: int | None) -> dict:
    from reflect.core.redaction.gate import PseudonymMap

    data = json.loads((DATASETS / "presidio-synth" / "synth_dataset_v2.json").read_text())
    if limit:
        data = data[:limit]
    gate = gate_factory()
    tp = fp = fn = 0
    unsupported_tokens = Counter()
    per_type = defaultdict(lambda: [0, 0])  # type -> [tokens caught, tokens]
    leaks = Counter()
    per_type_spans = defaultdict(lambda: [0, 0])  # type -> [spans fully redacted, spans]
    t0 = time.perf_counter()
    for row in data:
        text = row["full_text"]
        result = gate.redact(text, PseudonymMap())  # a fresh map: no roster help on outside data
        predicted = [(e.start, e.end) for e in result.entities]
        gold_supported = [(s["start_position"], s["end_position"]) for s in row["spans"] if s["entity_type"] not in UNSUPPORTED]
        gold_unsupported = [(s["start_position"], s["end_position"]) for s in row["spans"] if s["entity_type"] in UNSUPPORTED]
        for tok in tokens(text):
            if text[tok[0] : tok[1]] in {",", ".", "\n"}:
                continue
            gold = covered(tok, gold_supported)
            pred = covered(tok, predicted)
            if covered(tok, gold_unsupported) and not gold:
                unsupported_tokens["caught" if pred else "missed"] += 1
                continue
            if gold and pred:
                tp += 1
            elif gold:
                fn += 1
            elif pred:
                fp += 1
        for span in row["spans"]:
            toks = [t for t in tokens(text) if covered(t, [(span["start_position"], span["end_position"])])]
            caught = sum(covered(t, predicted) for t in toks)
            per_type[span["entity_type"]][0] += caught
            per_type[span["entity_type"]][1] += len(toks)
            whole = all(covered(t, predicted) for t in toks)
            per_type_spans[span["entity_type"]][0] += whole
            per_type_spans[span["entity_type"]][1] += 1
            # A verbatim leak: the gold value (or a 4+ character word of it) survives in the redacted text.
            if span["entity_type"] not in UNSUPPORTED:
                words = [w for w in re.findall(r"\w{4,}", span["entity_value"]) if not w.isdigit() or len(w) >= 4]
                if span["entity_value"] in result.redacted or any(re.search(rf"\b{re.escape(w)}\b", result.redacted) for w in words):
                    leaks[span["entity_type"]] += 1
    elapsed = time.perf_counter() - t0
    recall = tp / max(1, tp + fn)
    precision = tp / max(1, tp + fp)
    f2 = 5 * precision * recall / max(1e-9, 4 * precision + recall)
    return {
        "sentences": len(data),
        "recall": recall, "precision": precision, "f2": f2,
        "per_type_token_recall": {k: v[0] / v[1] for k, v in sorted(per_type.items()) if v[1]},
        "per_type_span_recall": {k: v[0] / v[1] for k, v in sorted(per_type_spans.items()) if v[1]},
        "spans_with_verbatim_leak": dict(leaks),
        "unsupported_tokens": dict(unsupported_tokens),
        "ms_per_sentence": 1000 * elapsed / len(data),
    }


def score_smartspan(gate_factory) -> dict:
    from reflect.core.redaction.gate import PseudonymMap

    path = DATASETS / "smartspan" / "goals_all.json"
    data = json.loads(path.read_text())
    notes = data if isinstance(data, list) else list(data.values())
    texts = [n.get("text") or n.get("note") or n.get("session_note") or "" for n in notes if isinstance(n, dict)]
    texts = [t for t in texts if t.strip()]
    gate = gate_factory()
    entities = Counter()
    chars_kept = chars_total = 0
    examples = []
    learned = 0
    for text in texts:
        pmap = PseudonymMap()
        result = gate.redact(text, pmap)
        # Every entry a note teaches the map is false here (the notes are anonymised), and a learned
        # entry is applied to every later note of the client.
        learned += sum(1 for row in pmap.rows if row.origin == "learned" and row.type in {"PERSON", "ORG", "LOCATION"})
        for e in result.entities:
            entities[e.type] += 1
            if len(examples) < 15:
                examples.append(f"{e.type}: {text[e.start:e.end]!r}")
        removed = sum(e.end - e.start for e in result.entities)
        chars_total += len(text)
        chars_kept += len(text) - removed
    return {
        "notes": len(texts),
        "detections_per_note": sum(entities.values()) / max(1, len(texts)),
        "detections_by_type": dict(entities),
        "content_kept": chars_kept / max(1, chars_total),
        "false_learned_entries": learned,
        "examples": examples,
    }


TITLES = {"dr", "mr", "mrs", "ms", "mx", "prof", "rev", "sir", "dame", "judge"}
DIRECT = {"PERSON", "ORG", "EMAIL", "PHONE", "ADDRESS", "POSTCODE", "ID", "URL", "CARD"}


def score_coaching(gate_factory, path: Path) -> dict:
    """The coaching-notes set (benchmarks/data/coaching_notes.json): each client's roster registered
    as a coach would, notes redacted in date order so the pseudonym map learns. An identifier leaks when
    any of its word pieces is not covered by a redacted entity."""
    from reflect.core.redaction.gate import CLIENT_PLACEHOLDER, PseudonymMap
    from reflect.core.redaction.text import fold

    data = json.loads(path.read_text(encoding="utf-8"))
    gate = gate_factory()
    total = Counter()
    leaked = Counter()
    leak_examples: list[str] = []
    content_kept = content_total = 0
    notes = 0
    learned = false_learned = 0
    false_learned_examples: list[str] = []
    t0 = time.perf_counter()
    for client in data["clients"]:
        pmap = PseudonymMap()
        pmap.register("PERSON", client["name"], client["aliases"], placeholder=CLIENT_PLACEHOLDER)
        for person in client["roster"]:
            if fold(person["name"]) == fold(client["name"]):
                continue  # a set that lists the client on their own roster
            kind = "ORG" if person["role"] == "employer" else "PERSON"
            pmap.register(kind, person["name"], gate.roster_forms(kind, person["name"]))  # as `person add` does
        for note in client["notes"]:
            notes += 1
            text = note["text"]
            result = gate.redact(text, pmap)
            predicted = [(e.start, e.end) for e in result.entities]
            gold = [(i["start"], i["end"]) for i in note["identifiers"]]
            for ident in note["identifiers"]:
                key = (ident["type"], "roster" if ident["on_roster"] else "other")
                total[key] += 1
                # Titles (Dr, Mr, Prof...) are no identifier: some annotators put them inside the span.
                pieces = [(ident["start"] + m.start(), ident["start"] + m.end()) for m in re.finditer(r"\w{2,}", ident["text"])
                          if m.group(0).casefold() not in TITLES]
                if any(not covered(piece, predicted) for piece in pieces):
                    leaked[key] += 1
                    if len(leak_examples) < 80:
                        leak_examples.append(f"{ident['type']} ({key[1]}): {ident['text']!r}")
            for tok in tokens(text):
                if covered(tok, gold) or not re.match(r"\w", text[tok[0]:tok[1]]):
                    continue
                content_total += 1
                content_kept += not covered(tok, predicted)
        # A learned entry is false when it is no word of any identifier of this client's notes.
        gold_words = {fold(w) for n in client["notes"] for i in n["identifiers"] for w in re.findall(r"[\w'’‑-]+", i["text"])}
        gold_words |= {fold(i["text"]) for n in client["notes"] for i in n["identifiers"]}
        for row in pmap.rows:
            if row.origin != "learned" or row.type not in {"PERSON", "ORG", "LOCATION"}:
                continue  # structured identifiers (e-mail, phone, id) carry their own evidence
            learned += 1
            words = [w for w in re.findall(r"[\w'’‑-]+", row.key) if len(w) >= 2]
            if not all(w in gold_words for w in words) and row.key not in gold_words:
                false_learned += 1
                if len(false_learned_examples) < 15:
                    false_learned_examples.append(f"{row.type}: {row.surface!r}")
    elapsed = time.perf_counter() - t0
    direct_total = sum(v for (t, _), v in total.items() if t in DIRECT)
    direct_leaked = sum(v for (t, _), v in leaked.items() if t in DIRECT)
    return {
        "clients": len(data["clients"]), "notes": notes,
        "identifiers": sum(total.values()),
        "direct_identifiers": direct_total, "direct_leaked": direct_leaked,
        "leaked_by_type": {f"{t}/{r}": f"{leaked[(t, r)]}/{n}" for (t, r), n in sorted(total.items())},
        "content_kept": content_kept / max(1, content_total),
        "learned_entries": learned, "false_learned_entries": false_learned,
        "false_learned_examples": false_learned_examples,
        "leak_examples": leak_examples,
        "ms_per_note": 1000 * elapsed / max(1, notes),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=int, default=None, help="only the first N synthetic sentences")
    parser.add_argument("--no-outside", action="store_true", help="skip the outside sets (presidio-synth, SMARTSpan)")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "redaction.json", help="where to write the figures")
    parser.add_argument("--coaching", type=Path, default=HERE / "data" / "coaching_notes.json",
                        help="a coaching-notes set (benchmarks/coaching_set.py --seed N --out F makes a held-out one)")
    args = parser.parse_args()
    sys.path.insert(0, str(HERE.parent))
    sys.path.insert(0, str(HERE))
    from reflect.core import hardening

    hardening.apply()
    from reflect.core.redaction.gate import RedactionGate
    from reflect.core.redaction.presidio import PresidioDetector

    detector = PresidioDetector()
    factory = lambda: RedactionGate(detector)  # noqa: E731
    from synthetic import notes as synthetic_notes

    from reflect.core.redaction.gate import PseudonymMap

    gate = factory()
    long_notes = synthetic_notes(60, seed=3)
    for text in long_notes[:5]:
        gate.redact(text, PseudonymMap())
    t0 = time.perf_counter()
    for text in long_notes[5:]:
        gate.redact(text, PseudonymMap())
    per_note = 1000 * (time.perf_counter() - t0) / len(long_notes[5:])
    print(f"redaction time: {per_note:.1f} ms per note of ~{statistics.mean(len(t) for t in long_notes):.0f} characters")
    results = {"ms_per_1500_char_note": per_note, "coaching": score_coaching(factory, args.coaching)}
    c = results["coaching"]
    print(f"coaching set ({c['clients']} clients, {c['notes']} notes, {c['identifiers']} identifiers): "
          f"direct identifiers leaked {c['direct_leaked']} of {c['direct_identifiers']}; content kept {c['content_kept']:.3f}; {c['ms_per_note']:.1f} ms/note")
    print("leaked by type (roster = registered by the coach):", c["leaked_by_type"])
    print(f"entries learned from notes: {c['learned_entries']}, of which false: {c['false_learned_entries']}", c["false_learned_examples"])
    print("\n".join(c["leak_examples"]))
    if args.no_outside:
        pass
    elif not DATASETS.is_dir():
        print(f"outside sets skipped: {DATASETS} is absent (they are not shipped with reflect)")
    else:
        results["synth"] = score_synth(factory, args.limit)
        s = results["synth"]
        print(f"presidio-synth ({s['sentences']} sentences): recall {s['recall']:.3f}, precision {s['precision']:.3f}, F2 {s['f2']:.3f}, {s['ms_per_sentence']:.1f} ms/sentence")
        print("per-type span recall:", {k: round(v, 2) for k, v in s["per_type_span_recall"].items()})
        print("spans with a verbatim leak:", s["spans_with_verbatim_leak"])
        print("unsupported-type tokens:", s["unsupported_tokens"])
        if (DATASETS / "smartspan").is_dir():
            results["smartspan"] = score_smartspan(factory)
            m = results["smartspan"]
            print(f"smartspan ({m['notes']} notes): {m['detections_per_note']:.2f} detections/note, content kept {m['content_kept']:.3f}, "
                  f"false entries learned {m['false_learned_entries']}")
            print("by type:", m["detections_by_type"])
            print("\n".join(m["examples"]))
    args.out.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
