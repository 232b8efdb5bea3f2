"""Mutation check of the privacy boundary: break each hand-off on purpose and expect the tests to fail.

Each mutant is one textual change to reflect's source that hands original (unredacted) text, or text
out of step with the roster, to the embedder, the index, the model, the store's redacted column, the
commitments or the engagement's goals. The script copies the package to a temporary directory, applies one mutant at a time,
runs the boundary and practice tests against the copy, and counts the mutant killed when they fail.
A mutant whose text is no longer found in the source is reported as stale (the script then fails too),
so the list cannot silently rot.

Run:  .venv/bin/python scripts/mutation_check.py          (about a minute)
Exit status 0 only when every mutant is killed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TESTS = ["tests/unit/test_boundary.py", "tests/unit/test_practice.py", "tests/unit/test_goals.py"]

#: (name, file, original text, mutated text)
MUTANTS: list[tuple[str, str, str, str]] = [
    ("note -> chunks -> embedder: original text embedded", "reflect/core/services/notes.py",
     "outbound.texts(chunk(redaction.redacted))", "chunk(item.text)"),
    ("note -> store: original stored as the redacted text", "reflect/core/services/notes.py",
     "store.add_note(client.id, item.date, item.text, redaction.redacted)",
     "store.add_note(client.id, item.date, item.text, item.text)"),
    ("note -> passages for the index: original text", "reflect/core/services/notes.py",
     "stored.append(Note(note_id, client.id, item.date, item.text, redaction.redacted))",
     "stored.append(Note(note_id, client.id, item.date, item.text, item.text))"),
    ("note -> commitments: extracted from the original", "reflect/core/services/notes.py",
     "store.add_commitments(client.id, note_id, extract_commitments(redaction.redacted))",
     "store.add_commitments(client.id, note_id, extract_commitments(item.text))"),
    ("passages: chunked from the original", "reflect/core/services/context.py",
     "for i, text in enumerate(chunk(note.redacted))", "for i, text in enumerate(chunk(note.original))"),
    ("embedder door: no check against the current map", "reflect/core/services/context.py",
     "return self.components.embedder.embed(self.outbound(client_id).texts(texts))", "return self.components.embedder.embed(texts)"),
    ("model door: no check against the current map", "reflect/core/services/context.py",
     'messages = [m if m.get("role") == "system" else {**m, "content": outbound.text(m["content"])} for m in messages]', "pass"),
    ("search: query not redacted", "reflect/core/services/insight.py",
     "vector = ctx.embed(client.id, [redacted_query])[0]", "vector = ctx.embed(client.id, [query])[0]"),
    ("summary: sentences of the original", "reflect/core/services/insight.py",
     "sents = sentences(note.redacted)", "sents = sentences(note.original)"),
    ("commitment status: later sentences of the original", "reflect/core/services/commitments.py",
     "for s in sentences(notes[j].redacted)", "for s in sentences(notes[j].original)"),
    ("re-redaction: roster changes not applied to stored notes", "reflect/core/services/roster.py",
     "        return person, self._reredactor.reredact(client, everything=everything)", "        return person, Reredaction()"),
    ("re-redaction: original stored as redacted", "reflect/core/services/reredaction.py",
     "store.set_redacted(client.id, note.id, note.redacted)", "store.set_redacted(client.id, note.id, note.original)"),
    ("re-redaction: commitments keep the old text", "reflect/core/services/reredaction.py",
     "store.replace_commitments(client.id, note.id, extract_commitments(note.redacted), scrub)", "pass"),
    ("re-redaction: index keeps the old vectors", "reflect/core/services/reredaction.py",
     "report.passages_reembedded = self.rebuild_index(client, [changed.get(n.id, n) for n in notes])", "pass"),
    ("edit: original embedded", "reflect/core/services/notes.py",
     "note = Note(old.id, client.id, item.date, item.text, redaction.redacted)",
     "note = Note(old.id, client.id, item.date, item.text, item.text)"),
    ("index: handed the passage text", "reflect/core/services/context.py",
     'return [replace(p, text="", date="") for p in passages]', "return passages"),
    ("gate: typographic apostrophes not folded", "reflect/core/redaction/text.py",
     """_PLAIN = {**{ord(c): "'" for c in APOSTROPHES}, """, "_PLAIN = {"),
    ("gate: no plural or possessive of a roster name", "reflect/core/redaction/pseudonyms.py",
     'return body + ("(?:e?s)?" if plural else "")', "return body"),
    ("gate: hyphen variants not folded", "reflect/core/redaction/text.py",
     """**{ord(c): "-" for c in HYPHENS}, """, ""),
    ("goal -> store: the coach's raw text stored", "reflect/core/services/goals.py",
     "return Outbound(pmap, client.id).text(redaction.redacted), pmap", "return text, pmap"),
    ("re-redaction: goals keep a name put on the roster later", "reflect/core/services/reredaction.py",
     "            store.scrub_goals(client.id, scrub)", "            pass"),
    ("gate: a name learned later not applied to earlier notes", "reflect/core/services/notes.py",
     "        if learned:\n            # The batch taught", "        if False:\n            # The batch taught"),
]


def run() -> int:
    results = []
    with tempfile.TemporaryDirectory(prefix="reflect-mutants-") as tmp:
        work = Path(tmp)
        shutil.copytree(ROOT / "reflect", work / "reflect")
        shutil.copytree(ROOT / "tests", work / "tests", ignore=shutil.ignore_patterns("__snapshots__"))
        shutil.copytree(ROOT / "prompts", work / "prompts")
        shutil.copytree(ROOT / "models", work / "models")
        shutil.copy(ROOT / "pyproject.toml", work / "pyproject.toml")
        env = {**os.environ, "PYTHONPATH": str(work), "PYTHONDONTWRITEBYTECODE": "1"}
        check = subprocess.run([sys.executable, "-c", "import reflect; print(reflect.__file__)"], env=env, cwd=work,
                               capture_output=True, text=True)
        if not check.stdout.startswith(str(work)):
            print(f"the copy is not the reflect under test ({check.stdout.strip()}); aborting", file=sys.stderr)
            return 2
        baseline = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *TESTS],
                                  env=env, cwd=work, capture_output=True, text=True)
        if baseline.returncode != 0:
            print("the tests fail without any mutant; fix them first\n" + baseline.stdout[-2000:], file=sys.stderr)
            return 2
        for name, file, old, new in MUTANTS:
            path = work / file
            source = path.read_text(encoding="utf-8")
            if source.count(old) != 1:
                results.append((name, "STALE (text not found exactly once)"))
                continue
            path.write_text(source.replace(old, new), encoding="utf-8")
            started = time.perf_counter()
            proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *TESTS],
                                  env=env, cwd=work, capture_output=True, text=True)
            path.write_text(source, encoding="utf-8")
            verdict = "killed" if proc.returncode != 0 else "SURVIVED"
            results.append((name, f"{verdict} ({time.perf_counter() - started:.1f}s)"))
    killed = sum(1 for _, v in results if v.startswith("killed"))
    for name, verdict in results:
        print(f"{verdict:>30}  {name}")
    print(f"\nhand-off mutants killed: {killed} of {len(results)}")
    return 0 if killed == len(results) else 1


if __name__ == "__main__":
    sys.exit(run())
