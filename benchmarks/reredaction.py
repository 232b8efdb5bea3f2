"""What a retroactive redaction costs: a 60-note client (~1,500 characters each) whose notes mention a
colleague in lower-case shorthand; the coach then puts that colleague on the roster. Real Presidio +
spaCy, MiniLM and Chroma. Reports the time of ``person add`` (re-redaction of the affected notes,
re-embedding of the changed passages, replacing the index) and of ``reflect reindex`` (everything).

Run:  .venv/bin/python benchmarks/reredaction.py   Writes benchmarks/results/reredaction.json.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))


def main() -> None:
    from reflect.core import hardening

    hardening.apply()
    from foundation import BENCH_PASSPHRASE, machine
    from synthetic import notes as synthetic_notes

    from reflect.core.noteinput import NoteInput
    from reflect.core.opener import open_practice

    texts = synthetic_notes(60, seed=11)
    # Every third note mentions the colleague the coach has not yet put on the roster.
    texts = [t + (" the deck zephyrine sent was late again." if i % 3 == 0 else "") for i, t in enumerate(texts)]
    start = date(2025, 1, 6)
    with tempfile.TemporaryDirectory() as tmp, open_practice(Path(tmp), passphrase=BENCH_PASSPHRASE) as p:
        c = p.roster.add_client("Maria Gonzalez")
        p.notes.add(c, [NoteInput(start + timedelta(days=7 * i), t, f"n{i}") for i, t in enumerate(texts)])
        passages = p.context.index(c).count()
        t0 = time.perf_counter()
        _, report = p.roster.add_person(c, "Raj Zephyrine", ["zephyrine"])
        person_add = time.perf_counter() - t0
        t0 = time.perf_counter()
        full = p.upkeep.reindex(c)[c.id]
        reindex = time.perf_counter() - t0
        leaks = sum("zephyrine" in n.redacted.lower() for n in p.notes.list(c))
    result = {
        "machine": machine(), "notes": len(texts), "passages": passages,
        "person_add_seconds": round(person_add, 2), "notes_changed": report.notes_changed, "names_caught": report.names_caught,
        "passages_reembedded": report.passages_reembedded,
        "reindex_seconds": round(reindex, 2), "reindex_passages_embedded": full.passages_reembedded,
        "notes_still_naming_him": leaks
    }
    print(json.dumps(result, indent=2))
    (HERE / "results" / "reredaction.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
