"""Drive the real CLI in one long-lived process (for the network-namespace test): add, search,
prep, an encrypted backup, a restore into a second data directory and a search there.

Runs ``reflect`` commands in-process, so the libraries' native threads (onnxruntime telemetry fires
about 9 s after start) live as long as the process, then stays alive for ``--linger`` seconds.
Usage: python drive_cli.py NOTES_DIR LINGER_SECONDS
"""

import os
import sys
import time
from pathlib import Path

from reflect.cli import app


def run(*args: str) -> None:
    try:
        app(list(args), standalone_mode=False)
    except SystemExit as exc:
        if exc.code not in (0, None):
            raise


notes_dir, linger = sys.argv[1], float(sys.argv[2])
started = time.monotonic()
run("client", "add", "Maria Gonzalez")
run("person", "add", "Maria Gonzalez", "Tom Becker", "--role", "boss")
run("import", "Maria Gonzalez", notes_dir)
run("search", "Maria Gonzalez", "delegation", "--json")
run("prep", "Maria Gonzalez", "--json")
home = Path(os.environ["REFLECT_HOME"])
run("backup", str(home.parent / "practice.age"))
run("--data-dir", str(home.parent / "restored"), "restore", str(home.parent / "practice.age"))
run("--data-dir", str(home.parent / "restored"), "search", "Maria Gonzalez", "delegation", "--json")
remaining = linger - (time.monotonic() - started)
if remaining > 0:
    time.sleep(remaining)
print("DRIVER-DONE", flush=True)
