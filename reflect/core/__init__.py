"""The headless core of reflect: domain, store, redaction gate, index, model and the features built on them.

Nothing under ``reflect.core`` imports Textual, Typer or the front ends (an import-linter contract and
a test enforce it). Heavy libraries are imported lazily inside the adapters that need them, so that
importing the core is cheap. Five lines drive the whole pipeline from a script::

    from reflect.core.practice import Practice
    with Practice.open() as practice:
        client = practice.add_client("Maria Gonzalez")
        practice.add_notes(client, [("2026-11-02", "Maria wants to delegate more...")])
        print(practice.prep(client).render_markdown())
"""

# Whatever imports the core (the CLI, the TUI, a script, a benchmark) gets the offline hardening before
# any model library can initialise: Presidio's e-mail recognizer would otherwise fetch the Public
# Suffix List, onnxruntime would start its telemetry thread.
from reflect.core import hardening as _hardening  # noqa: E402

_hardening.apply()
