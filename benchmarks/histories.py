"""Themes and questions on coaching-style client histories with planted recurring themes.

Run:  .venv/bin/python benchmarks/histories.py [--set dev|holdout] [--clients N]
Writes benchmarks/results/histories-<set>.json and prints a table.

The histories (benchmarks/data/histories_<set>.json) were written by a helper who never saw reflect's
theme taxonomy, recognizers or question code: 8–15 sessions per client, 2–4 planted recurring themes,
personal and family themes among them, some worded with no shared keywords from session to session;
each session lists the planted themes it discusses and the commitments agreed in it. The dev set is
what the theme engine was tuned on; the holdout set is measured, never tuned on.

Each history runs through the real pipeline (Presidio + spaCy redaction, MiniLM, Chroma, the theme
engine, the prep brief; the language model is not asked, as with the shipped default):

- **themes**: for each planted theme, the best session Jaccard with a reported recurring theme; a
  reported theme is *spurious* when its best Jaccard with every planted theme is below 1/3.
- **questions** of the prep brief for the next session, after the whole history:
  open (starts with an open word, one question mark), distinct (no near-duplicates), grounded (cites
  a passage of this client that exists), and *on target*: a commitment question whose commitment is
  still open, a goal question (the engagement's goals are added from the data), or a question that shares a content word with the passage it cites when that passage's
  session carries a planted theme and the passage is closer to that theme's description than to
  the client's other planted themes.
- **names**: how many reported theme names are a phrase found in the notes (or a taxonomy label),
  against lists of unrelated words.
- **ceiling** (``--ceiling``): the best Jaccard per planted theme over *every* candidate the engine
  produces (each recurring taxonomy theme and every recurring sentence cluster at four cut heights, all
  at once). It bounds what any rule for choosing which themes to show could reach with these vectors.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
PASSPHRASE = "benchmark passphrase (synthetic data only)"


def jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a | b else 0.0


def candidates(p, client) -> list[set[int]]:
    """The session sets of every theme the engine could report for ``client``: each taxonomy theme that
    recurs, and every recurring cluster of sentences cut at four heights, uncapped (the shipped engine
    keeps one cut and at most six). No selection among them can do better than the best of them."""
    from reflect.core.themes import EmergentParams, emergent_themes, find_themes, similarity

    ctx, insight = p.context, p.insight
    notes = ctx.store.notes(client.id)
    found, vectors = ctx.index(client).all()
    passages = ctx.with_text(client, found, notes)
    rows = [i for i, x in enumerate(passages) if x is not None]
    taxonomy, phrase_vectors, owner = insight._taxonomy_vectors()
    sims = similarity(vectors[rows], phrase_vectors, owner, len(taxonomy))
    themes = find_themes(notes, [x for x in passages if x is not None], sims, taxonomy)
    units, unit_vectors = insight._sentences(client, notes)
    for distance in (0.85, 0.9, 0.95, 1.0):
        themes += emergent_themes(notes, units, unit_vectors, EmergentParams(distance=distance, max_themes=10**6))
    return [{s.note_id for s in t.sessions} for t in themes]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--set", default="dev", choices=["dev", "holdout"])
    parser.add_argument("--clients", type=int, default=0, help="only the first N clients (0: all)")
    parser.add_argument("--verbose", action="store_true", help="print each client's themes and questions")
    parser.add_argument("--ceiling", action="store_true",
                        help="also report the best any choice among the engine's candidate themes could do: every taxonomy theme and "
                             "every cluster at four cut heights, all reported at once (dozens per client)")
    args = parser.parse_args()
    from foundation import machine

    from reflect.core.components import Components
    from reflect.core.embedding import MiniLMEmbedder
    from reflect.core.noteinput import NoteInput
    from reflect.core.opener import open_practice
    from reflect.core.questions import OPEN_STARTS, grounded, near_duplicate
    from reflect.core.redaction.presidio import PresidioDetector
    from reflect.settings import Settings

    data = json.loads((HERE / "data" / f"histories_{args.set}.json").read_text(encoding="utf-8"))
    clients = data["clients"][: args.clients or None]
    embedder = MiniLMEmbedder()
    components = Components(detector=PresidioDetector(), embedder=embedder)
    per_theme: list[float] = []
    ceiling: list[float] = []
    pool_sizes: list[int] = []
    spurious: list[int] = []
    reported: list[int] = []
    q_total = q_open = q_distinct = q_grounded = q_target = 0
    sources: dict[str, int] = {}
    names_from_notes = names_total = 0
    timings: list[float] = []
    rows = []
    with tempfile.TemporaryDirectory() as tmp, open_practice(Path(tmp), passphrase=PASSPHRASE, settings=Settings(use_model="never"), components=components) as p:
        for h in clients:
            client = p.roster.add_client(h["name"], [a for a in h.get("aliases", []) if sum(ch.isalpha() for ch in a) > 1])  # an initial is no alias reflect takes
            for person in h.get("people", []):
                p.roster.add_person(client, person["name"], role=person.get("role"))
            sessions = sorted(h["sessions"], key=lambda s: s["date"])
            notes = p.notes.add(client, [NoteInput(date.fromisoformat(s["date"]), s["text"], "bench") for s in sessions])
            for goal in h.get("goals", []):
                p.goals.add(client, goal)
            planted: dict[str, set[int]] = {}
            for note, s in zip(notes, sessions):
                for t in s.get("themes", []):
                    planted.setdefault(t, set()).add(note.id)
            if args.ceiling:
                pool = candidates(p, client)
                ceiling.extend(max((jaccard(ids, c) for c in pool), default=0.0) for ids in planted.values())
                pool_sizes.append(len(pool))
            started = time.perf_counter()
            themes = p.insight.themes(client)
            timings.append(time.perf_counter() - started)
            sets = [{s.note_id for s in t.sessions} for t in themes]
            best = {t: max((jaccard(ids, s) for s in sets), default=0.0) for t, ids in planted.items()}
            per_theme.extend(best.values())
            spur = sum(max((jaccard(s, ids) for ids in planted.values()), default=0.0) < 1 / 3 for s in sets)
            spurious.append(spur)
            reported.append(len(themes))
            redacted = " ".join(n.redacted.lower() for n in notes)
            for t in themes:
                names_total += 1
                names_from_notes += (not t.keyphrases) or t.label.split(":")[-1].strip().lower() in redacted

            brief = p.insight.prep(client)
            descriptions = {t["id"]: t["description"] + " " + t["name"] for t in h["themes"]}
            theme_ids = list(descriptions)
            desc_vectors = embedder.embed([descriptions[t] for t in theme_ids])
            by_note = {n.id: s for n, s in zip(notes, sessions)}
            accepted: list[str] = []
            for q in brief.questions:
                q_total += 1
                sources[q.source] = sources.get(q.source, 0) + 1
                text = q.text.lower()
                q_open += text.startswith(OPEN_STARTS) and q.text.count("?") == 1 and q.text.endswith("?")
                q_distinct += not any(near_duplicate(q.text, other) for other in accepted)
                accepted.append(q.text)
                ev = q.evidence[0] if q.evidence else None
                passage = p.context.passage(client, ev.note_id, ev.chunk) if ev else None
                q_grounded += passage is not None
                if passage is None:
                    continue
                if q.source in ("commitment", "goal"):
                    q_target += 1  # an open commitment or a goal of the engagement, asked in its own words
                    continue
                labelled = by_note[ev.note_id].get("themes", [])
                if not labelled or not grounded(q.text, passage.text):
                    continue
                vector = embedder.embed([passage.text])[0]
                nearest = theme_ids[int((desc_vectors @ vector).argmax())]
                q_target += nearest in labelled
            rows.append({
                "client": h["id"], "planted": {t: round(v, 2) for t, v in best.items()}, "spurious": spur,
                "themes": [t.label for t in themes], "questions": [(q.source, q.text) for q in brief.questions],
            })
            if args.verbose:
                print(f"\n== {h['id']} planted best Jaccard {rows[-1]['planted']} spurious {spur}")
                for t in themes:
                    print(f"   theme: {t.label} {[s.note_id for s in t.sessions]}")
                for pl, ids in planted.items():
                    print(f"   planted {pl}: {sorted(ids)}")
                for q in brief.questions:
                    print(f"   Q[{q.source}] {q.text}")
    result = {
        "set": args.set, "date": date.today().isoformat(), "machine": machine(), "clients": len(clients),
        "planted_themes": len(per_theme),
        "themes": {
            "min_best_jaccard": min(per_theme), "mean_best_jaccard": statistics.mean(per_theme),
            "share_at_least_0_6": sum(v >= 0.6 for v in per_theme) / len(per_theme),
            "spurious_per_client_mean": statistics.mean(spurious), "spurious_per_client_max": max(spurious),
            "reported_per_client": statistics.mean(reported), "seconds_per_client_median": statistics.median(timings),
            "names_from_notes_or_taxonomy": f"{names_from_notes}/{names_total}",
        },
        "questions": {
            "total": q_total, "open": q_open / q_total, "distinct": q_distinct / q_total, "grounded": q_grounded / q_total,
            "on_target": q_target / q_total, "sources": sources,
        },
        "clients_detail": rows,
    }
    if ceiling:
        result["ceiling"] = {
            "mean_best_jaccard": statistics.mean(ceiling), "share_at_least_0_6": sum(v >= 0.6 for v in ceiling) / len(ceiling),
            "min_best_jaccard": min(ceiling), "candidates_per_client": statistics.mean(pool_sizes),
        }
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / f"histories-{args.set}.json").write_text(json.dumps(result, indent=2))
    t, q = result["themes"], result["questions"]
    print(f"histories ({args.set}): {len(clients)} clients, {len(per_theme)} planted themes — {result['machine']}")
    print("| measure | result | target |\n| --- | --- | --- |")
    print(f"| planted themes recovered at Jaccard ≥ 0.6 | {t['share_at_least_0_6']:.0%} (min {t['min_best_jaccard']:.2f}) | every one |")
    print(f"| mean best Jaccard | {t['mean_best_jaccard']:.2f} | ≥ 0.75 |")
    print(f"| spurious recurring themes per client, mean / max | {t['spurious_per_client_mean']:.1f} / {t['spurious_per_client_max']} | ≤ 2 |")
    print(f"| theme names taken from the notes or the taxonomy | {t['names_from_notes_or_taxonomy']} | all |")
    print(f"| brief questions open / distinct / citing a real passage | {q['open']:.0%} / {q['distinct']:.0%} / {q['grounded']:.0%} | 100 % |")
    print(f"| brief questions about a planted theme or an open commitment | {q['on_target']:.0%} | ≥ 80 % |")
    if ceiling:
        c = result["ceiling"]
        print(f"| ceiling: every candidate reported ({c['candidates_per_client']:.0f} per client), mean best Jaccard / at ≥ 0.6 "
              f"| {c['mean_best_jaccard']:.2f} / {c['share_at_least_0_6']:.0%} (min {c['min_best_jaccard']:.2f}) | |")
    print(f"| question sources | {', '.join(f'{k} {v}' for k, v in sorted(q['sources'].items()))} | |")


if __name__ == "__main__":
    main()
