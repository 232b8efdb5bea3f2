"""A restore killed at every step of its swap: the next command finds the practice as it was (before
the swap committed) or the restored one (after), never a missing store or an empty practice, and
nothing a later `forget` would wrongly remove. Real CLI in subprocesses; the kill lands exactly at a
named point (REFLECT_FAULT), not after a random delay."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PASS = "correct horse battery staple"
POINTS = [
    ("restore:journal-written", "before"),
    ("restore:moved-aside:reflect.db", "before"),
    ("restore:moved-aside:index", "before"),
    ("restore:moved-in:reflect.db", "before"),
    ("restore:moved-in:index", "before"),
    ("restore:committed", "after"),
]


def reflect(home: Path, *args: str, fault: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "REFLECT_HOME": str(home), "REFLECT_PASSPHRASE": PASS}
    env.pop("REFLECT_FAULT", None)
    if fault:
        env["REFLECT_FAULT"] = fault
    return subprocess.run([sys.executable, "-m", "reflect", *args], env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def backup_file(tmp_path_factory) -> Path:
    other = tmp_path_factory.mktemp("other") / "data"
    assert reflect(other, "client", "add", "Bruno Backup").returncode == 0
    target = tmp_path_factory.mktemp("b") / "bruno.age"
    done = reflect(other, "backup", str(target))
    assert done.returncode == 0, done.stderr
    return target


@pytest.mark.slow
@pytest.mark.parametrize("point, expected", POINTS)
def test_a_restore_killed_at_any_step_is_finished_or_rolled_back(tmp_path, backup_file, point, expected) -> None:
    home = tmp_path / "data"
    assert reflect(home, "client", "add", "Anna Original").returncode == 0
    killed = reflect(home, "restore", str(backup_file), "--replace", fault=point)
    assert killed.returncode == -9, (point, killed.returncode, killed.stderr)
    assert (home / ".restore-journal.json").exists()

    listed = reflect(home, "client", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    names = [c["name"] for c in json.loads(listed.stdout)["clients"]]
    assert names == (["Anna Original"] if expected == "before" else ["Bruno Backup"]), (point, names)
    assert "interrupted restore" in listed.stderr
    leftovers = [p.name for p in home.iterdir() if p.name.startswith((".restore", ".replaced"))]
    assert leftovers == []
    doctor = reflect(home, "doctor", "--json")
    store = next(c for c in json.loads(doctor.stdout)["checks"] if c["name"] == "store integrity")
    assert store["ok"] is True
    # And the restore can simply be run again.
    again = reflect(home, "restore", str(backup_file), "--replace")
    assert again.returncode == 0, again.stderr
    assert [c["name"] for c in json.loads(reflect(home, "client", "list", "--json").stdout)["clients"]] == ["Bruno Backup"]
