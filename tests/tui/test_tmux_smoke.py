"""Smoke test: the real app in a real terminal (tmux, 100x30), unlocked at a passphrase prompt, driven by
keys, read from the screen; no row of the real screen may be cut at the right edge."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.tui.screens_util import cut_lines

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def _screen(session: str) -> str:
    return subprocess.run(["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True).stdout


def _assert_fits(screen: str, width: int = 100) -> None:
    cut = cut_lines(screen.splitlines(), width)
    assert not cut, f"rows cut at the right edge of the real terminal:\n{screen}"


def _wait_for(session: str, text: str, timeout: float = 20) -> str:
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = _screen(session)
        if text in screen:
            return screen
        time.sleep(0.2)
    raise AssertionError(f"{text!r} never appeared; screen was:\n{screen}")


@pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")
def test_real_app_in_tmux(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {**os.environ, "REFLECT_HOME": str(data), "TERM": "xterm-256color"}
    subprocess.run([sys.executable, "-m", "reflect", "client", "add", "Maria Gonzalez"], env=env, check=True, capture_output=True)
    note = tmp_path / "2026-11-03.md"
    note.write_text("Maria talked about delegation with Tom Becker.")
    subprocess.run([sys.executable, "-m", "reflect", "person", "add", "Maria Gonzalez", "Tom Becker"], env=env, check=True, capture_output=True)
    subprocess.run([sys.executable, "-m", "reflect", "note", "add", "Maria Gonzalez", str(note)], env=env, check=True, capture_output=True)
    session = f"reflect-smoke-{os.getpid()}"
    # No REFLECT_PASSPHRASE in the app's terminal: it asks (input hidden) before the app starts.
    command = f"env -u REFLECT_PASSPHRASE REFLECT_HOME={data} {sys.executable} -m reflect"
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "100", "-y", "30", command], env=env, check=True)
    try:
        _wait_for(session, "Passphrase for")
        subprocess.run(["tmux", "send-keys", "-t", session, os.environ["REFLECT_PASSPHRASE"], "Enter"], check=True)
        screen = _wait_for(session, "Maria Gonzalez")
        assert os.environ["REFLECT_PASSPHRASE"] not in screen  # the passphrase was not echoed
        time.sleep(0.5)
        _assert_fits(_screen(session))
        subprocess.run(["tmux", "send-keys", "-t", session, "Enter"], check=True)
        screen = _wait_for(session, "Tom Becker")
        assert "Original, for you only" in screen
        _assert_fits(screen)
        subprocess.run(["tmux", "send-keys", "-t", session, "r"], check=True)
        screen = _wait_for(session, "[PERSON_1]")
        assert "Tom Becker" not in screen.split("What the index and the model see")[-1]
        _assert_fits(screen)
        subprocess.run(["tmux", "send-keys", "-t", session, "?"], check=True)
        _assert_fits(_wait_for(session, "keys and what reflect does"))
        subprocess.run(["tmux", "send-keys", "-t", session, "Escape"], check=True)
        subprocess.run(["tmux", "send-keys", "-t", session, "q"], check=True)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and subprocess.run(["tmux", "has-session", "-t", session], capture_output=True).returncode == 0:
            time.sleep(0.2)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
