"""Time from launching ``reflect`` to the first painted screen, in a real terminal (tmux).

Run:  .venv/bin/python benchmarks/tui_first_paint.py [--runs 5]
Uses a temporary practice with one client; polls the tmux pane every 20 ms for the client list.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "REFLECT_HOME": tmp}
        subprocess.run([sys.executable, "-m", "reflect", "client", "add", "Maria Gonzalez"], env=env, check=True, capture_output=True)
        exe = Path(sys.executable).with_name("reflect")
        times = []
        for run in range(args.runs):
            session = f"reflect-paint-{os.getpid()}-{run}"
            started = time.perf_counter()
            subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "120", "-y", "35", f"REFLECT_HOME={tmp} {exe}"], check=True)
            try:
                while time.perf_counter() - started < 30:
                    pane = subprocess.run(["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True).stdout
                    if "Maria Gonzalez" in pane and "Quit" in pane:
                        times.append(time.perf_counter() - started)
                        break
                    time.sleep(0.02)
            finally:
                subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
            time.sleep(0.5)
    print(f"| TUI first paint (client list and footer on screen), median / max of {len(times)} | {statistics.median(times):.2f} / {max(times):.2f} s | < 1.5 s |")


if __name__ == "__main__":
    main()
