"""Operating-system level guarantees: no network, nothing written outside the data directory, one
writer at a time, and the import boundaries that keep the core headless and ``--help`` light."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]

HERE = Path(__file__).parent
PY = sys.executable


def _notes(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    texts = [
        "Maria wants to delegate code review. Tom Becker pushed back in the exec meeting. maria.g@example.org",
        "Maria delegated the metrics deck. She still feels like an impostor. Call +1 415 555 0100.",
        "Maria and Tom met one to one; it went well. Delegation is moving.",
    ]
    for i, text in enumerate(texts, start=1):
        (folder / f"2026-10-0{i}.md").write_text(text)
    return folder


def _clean_env(tmp: Path) -> dict[str, str]:
    home, work, tmpdir = tmp / "home", tmp / "cwd", tmp / "tmp"
    for d in (home, work, tmpdir):
        d.mkdir(parents=True, exist_ok=True)
    return {
        "PATH": os.environ["PATH"],
        "HOME": str(home),
        "TMPDIR": str(tmpdir),
        "REFLECT_HOME": str(tmp / "data"),
        "REFLECT_PASSPHRASE": "system test passphrase",
        "PYTHONDONTWRITEBYTECODE": "1",
        "LANG": "C.UTF-8",
    }


def _unshare_prefix() -> list[str]:
    if not shutil.which("unshare") or not shutil.which("strace"):
        pytest.skip("needs unshare and strace (util-linux, strace)")
    prefix = ["unshare", "-n"] if os.geteuid() == 0 else ["unshare", "-rn"]
    if subprocess.run([*prefix, "true"], capture_output=True).returncode != 0:
        pytest.skip("network namespaces are not available here")
    return prefix


def _traced(tmp_path: Path, argv: list[str], env: dict[str, str]) -> tuple[subprocess.CompletedProcess, list[str], float]:
    """Run argv in an empty network namespace under strace; return the process, its non-unix
    network calls (connect/sendto/sendmsg on AF_INET, AF_INET6 or AF_NETLINK) and the wall time."""
    prefix = _unshare_prefix()
    trace = tmp_path / "strace.txt"
    cmd = [*prefix, "strace", "-f", "-qq", "-e", "trace=connect,sendto,sendmsg", "-o", str(trace), *argv]
    started = time.monotonic()
    proc = subprocess.run(cmd, env=env, cwd=str(tmp_path / "cwd"), capture_output=True, text=True, timeout=300)
    elapsed = time.monotonic() - started
    calls = trace.read_text().splitlines() if trace.exists() else []
    network = [c for c in calls if re.search(r"\b(connect|sendto|sendmsg)\(", c) and re.search(r"AF_INET6?\b|AF_NETLINK", c)]
    return proc, network, elapsed


def test_the_network_harness_sees_a_connect_attempt(tmp_path: Path) -> None:
    """Negative control: the same harness catches a process that does try to connect."""
    env = _clean_env(tmp_path)
    code = "import socket\ntry:\n    socket.create_connection(('192.0.2.1', 80), timeout=1)\nexcept OSError:\n    pass"
    _proc, network, _elapsed = _traced(tmp_path, [PY, "-c", code], env)
    assert network and "192.0.2.1" in network[0]


def test_no_network_and_nothing_outside_the_data_dir(tmp_path: Path) -> None:
    """The real CLI (add notes, search, prep, backup, restore) in an empty network namespace under strace, alive for
    more than 15 s: zero non-unix connect() calls, and no file written outside the data directory."""
    env = _clean_env(tmp_path)
    notes = _notes(tmp_path / "notes")
    proc, network, elapsed = _traced(tmp_path, [PY, str(HERE / "drive_cli.py"), str(notes), "16"], env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "DRIVER-DONE" in proc.stdout
    assert elapsed >= 15
    assert network == [], network[:5]
    # Nothing outside the data directory: HOME (~/.cache...), the working directory and TMPDIR stay empty.
    for folder in ("home", "cwd", "tmp"):
        leftovers = [str(p.relative_to(tmp_path)) for p in (tmp_path / folder).rglob("*")]
        assert leftovers == [], leftovers
    assert (tmp_path / "data" / "reflect.db").is_file()
    assert '"questions"' in proc.stdout  # prep ran to the end
    assert (tmp_path / "practice.age").is_file() and (tmp_path / "restored" / "reflect.db").is_file()  # backup, restore
    assert proc.stdout.count('"results"') == 2  # and the search in the restored practice


def test_second_writer_gets_in_use_error_fast(tmp_path: Path) -> None:
    env = {**os.environ, **_clean_env(tmp_path)}
    holder = subprocess.Popen(
        [PY, "-c", "import sys,time; from reflect.core.opener import open_practice; p=open_practice(); print('ready', flush=True); time.sleep(30)"],
        env=env, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        started = time.monotonic()
        second = subprocess.run([PY, "-m", "reflect", "client", "add", "Kenji Watanabe"], env=env, capture_output=True, text=True, timeout=30)
        elapsed = time.monotonic() - started
        # Reading commands work while the app (or any writer) holds the directory: they take no lock
        # and open the store read-only (README, "Reading while the app is open").
        reading = subprocess.run([PY, "-m", "reflect", "client", "list", "--json"], env=env, capture_output=True, text=True, timeout=30)
        audit = subprocess.run([PY, "-m", "reflect", "audit", "--json"], env=env, capture_output=True, text=True, timeout=30)
    finally:
        holder.kill()
        holder.wait()
    assert second.returncode == 4
    assert "in use by another reflect process" in second.stderr
    assert len(second.stderr.strip().splitlines()) == 1
    assert elapsed < 2.0 + 1.0  # lock timeout 1.5 s plus interpreter start-up
    assert reading.returncode == 0 and json.loads(reading.stdout) == {"clients": []}, reading.stderr
    assert audit.returncode == 0, audit.stderr
    # Once the holder is gone the directory is usable again (the OS released the lock).
    again = subprocess.run([PY, "-m", "reflect", "client", "add", "Kenji Watanabe"], env=env, capture_output=True, text=True, timeout=30)
    assert again.returncode == 0, again.stderr


HEAVY = ["spacy", "presidio_analyzer", "onnxruntime", "chromadb", "llama_cpp", "tokenizers", "numpy"]


def _modules_after(code: str) -> set[str]:
    out = subprocess.run([PY, "-c", code + "\nimport sys; print(' '.join(sys.modules))"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return set(out.stdout.split())


def test_core_is_headless() -> None:
    loaded = _modules_after(
        "import reflect.core.practice, reflect.core.themes, reflect.core.questions, reflect.core.demo, "
        "reflect.core.redaction.presidio, reflect.core.embedding, reflect.core.index, reflect.core.llm"
    )
    assert "textual" not in loaded and "typer" not in loaded and "reflect.cli" not in loaded and "reflect.tui" not in loaded


def test_help_loads_no_model_library() -> None:
    loaded = _modules_after(
        "from reflect.cli import app\ntry:\n    app(['--help'], standalone_mode=False)\nexcept SystemExit:\n    pass"
    )
    assert "reflect.cli" in loaded
    assert not [m for m in HEAVY if m in loaded]


def test_importing_the_core_applies_the_offline_hardening() -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "ORT_DISABLE_TELEMETRY", "HF_HUB_OFFLINE"}}
    code = "import os, reflect.core.embedding; print(repr(os.environ.get('TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS')), os.environ.get('ORT_DISABLE_TELEMETRY'), os.environ.get('HF_HUB_OFFLINE'))"
    out = subprocess.run([PY, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert out.stdout.split() == ["''", "1", "1"]
