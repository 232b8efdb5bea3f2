"""What encryption at rest costs, measured on the real parts.

    .venv/bin/python benchmarks/confidentiality.py [--notes 120]

- unlocking: Argon2id at the stored (default) parameters, median of 5;
- sealing and opening one ~1,500-character note (AES-256-GCM), median over 2,000, against the
  redaction time of the same note (what ingest already pays per note);
- a reading command end to end (`reflect note list`: process start, unlock, read), median of 5;
- backup and restore of a practice of ``--notes`` notes (real detector, embedder and Chroma index):
  wall time and archive size;
- forgetting a client of that practice (delete, checkpoint, VACUUM, index directory removed).

Writes ``benchmarks/results/confidentiality.json`` and prints the README table.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from foundation import machine  # noqa: E402
from synthetic import notes as synthetic_notes  # noqa: E402

from reflect.core import hardening  # noqa: E402

hardening.apply()
PASSPHRASE = "benchmark passphrase (synthetic data only)"


def median_time(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=120)
    args = parser.parse_args()

    from reflect.core import backup
    from reflect.core.components import Components
    from reflect.core.crypto import KdfParams, SealedKey, new_key, new_salt
    from reflect.core.embedding import MiniLMEmbedder
    from reflect.core.noteinput import NoteInput
    from reflect.core.opener import open_practice
    from reflect.core.redaction.presidio import PresidioDetector

    results: dict = {"date": date.today().isoformat(), "machine": machine(), "notes": args.notes}
    params = KdfParams()
    salt = new_salt()
    results["unlock_argon2id_s"] = median_time(lambda: params.derive(PASSPHRASE, salt), 5)

    note = synthetic_notes(1, seed=7)[0]
    key = SealedKey(new_key(), "bench")
    sealed = key.seal("notes.original", note)
    results["note_chars"] = len(note)
    results["seal_us"] = median_time(lambda: key.seal("notes.original", note), 2000) * 1e6
    results["open_us"] = median_time(lambda: key.open("notes.original", sealed), 2000) * 1e6

    detector, embedder = PresidioDetector(), MiniLMEmbedder()
    from reflect.core.redaction.gate import PseudonymMap, RedactionGate

    gate = RedactionGate(detector)
    gate.redact(note, PseudonymMap())
    results["redact_ms"] = median_time(lambda: gate.redact(note, PseudonymMap()), 10) * 1e3

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "practice"
        texts = synthetic_notes(args.notes, seed=11)
        with open_practice(root, passphrase=PASSPHRASE, components=Components(detector=detector, embedder=embedder)) as p:
            a = p.roster.add_client("Maria Gonzalez", ["Mari"])
            b = p.roster.add_client("Kenji Watanabe")
            half = args.notes // 2
            start = date(2025, 1, 6)
            p.notes.add(a, [NoteInput(start + timedelta(days=7 * i), t, "bench") for i, t in enumerate(texts[:half])])
            p.notes.add(b, [NoteInput(start + timedelta(days=7 * i), t, "bench") for i, t in enumerate(texts[half:])])
            archive = Path(tmp) / "practice.age"
            t = time.perf_counter()
            info = backup.create(p, archive, PASSPHRASE)
            results["backup_s"] = time.perf_counter() - t
            results["backup_bytes"] = info.bytes
            results["practice_bytes"] = sum(f.stat().st_size for f in root.rglob("*") if f.is_file())
        t = time.perf_counter()
        backup.restore(Path(tmp) / "restored", archive, PASSPHRASE)
        results["restore_s"] = time.perf_counter() - t

        env = {**os.environ, "REFLECT_HOME": str(root), "REFLECT_PASSPHRASE": PASSPHRASE}
        exe = Path(sys.executable).with_name("reflect")
        results["note_list_cli_s"] = median_time(
            lambda: subprocess.run([str(exe), "note", "list", "Maria Gonzalez", "--json"], env=env, check=True, capture_output=True), 5
        )
        with open_practice(root, passphrase=PASSPHRASE, components=Components(detector=detector, embedder=embedder)) as p:
            t = time.perf_counter()
            p.upkeep.forget(p.roster.client("Kenji Watanabe"))
            results["forget_s"] = time.perf_counter() - t

    out = HERE / "results" / "confidentiality.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    r = results
    print(f"Measured on {r['date']} on: {r['machine']}\n")
    print("| measure | result |\n| --- | --- |")
    print(f"| unlock: Argon2id, 64 MiB, 3 passes, 4 lanes (once per command, once when the app opens) | {r['unlock_argon2id_s']:.2f} s |")
    print(f"| seal / open one {r['note_chars']:,}-char note, AES-256-GCM | {r['seal_us']:.0f} / {r['open_us']:.0f} µs "
          f"({(r['seal_us'] / 1e3) / r['redact_ms']:.3%} of redacting it, {r['redact_ms']:.0f} ms) |")
    print(f"| `reflect note list` end to end (start, unlock, read) | {r['note_list_cli_s']:.2f} s |")
    print(f"| backup of {r['notes']} notes, 2 clients (store + index, {r['practice_bytes'] / 1e6:.1f} MB) | "
          f"{r['backup_s']:.2f} s, {r['backup_bytes'] / 1e6:.2f} MB archive |")
    print(f"| restore of that backup (decrypt, verify, swap in) | {r['restore_s']:.2f} s |")
    print(f"| forget a client of {r['notes'] // 2} notes (delete, checkpoint, VACUUM, index removed) | {r['forget_s']:.2f} s |")


if __name__ == "__main__":
    main()
