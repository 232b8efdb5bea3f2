"""Odd inputs an outside review reproduced: each gets one clear line and the right exit code, and
nothing is stored (a FIFO, /dev/zero, a 20-digit id, a mistyped config value, bidi controls)."""

from __future__ import annotations

import os
import threading

import pytest

from tests.cli.test_cli import (  # noqa: F401
    MARIA,
    fails,
    fakes,  # noqa: F401
    note_count,
    ok,
)


def test_a_fifo_is_refused_without_hanging_or_holding_the_lock(tmp_path) -> None:
    ok("client", "add", MARIA)
    fifo = tmp_path / "pipe.md"
    os.mkfifo(fifo)
    done = threading.Event()
    result: list[str] = []

    def run() -> None:
        result.append(fails("note", "add", MARIA, str(fifo), code=2))
        done.set()

    threading.Thread(target=run, daemon=True).start()
    assert done.wait(10), "note add hung on a FIFO"
    assert "not a regular file" in result[0]
    assert note_count() == 0
    ok("client", "add", "Someone Else")  # the writer lock was released


def test_dev_zero_is_refused_before_reading() -> None:
    ok("client", "add", MARIA)
    assert "not a regular file" in fails("note", "add", MARIA, "/dev/zero", code=2)
    assert note_count() == 0


def test_a_huge_regular_file_is_refused_after_reading_only_the_limit(tmp_path) -> None:
    ok("client", "add", MARIA)
    big = tmp_path / "big.md"
    with big.open("wb") as handle:
        handle.truncate(2_000_000_000)  # sparse: 2 GB of zeros that take no disk
    assert "longer than the limit" in fails("note", "add", MARIA, str(big), code=2)


def test_an_id_out_of_range_is_not_found(tmp_path) -> None:
    ok("client", "add", MARIA)
    assert "has no note" in fails("note", "show", MARIA, "99999999999999999999", code=3)
    fails("commitment", "done", MARIA, "99999999999999999999", code=3)


@pytest.mark.parametrize("line, key", [('max_note_chars = "x"', "max_note_chars"), ("n_ctx = 10", "n_ctx"),
                                       ("search_k = true", "search_k"), ("model = 3", "model"),
                                       ('use_model = "sometimes"', "use_model"), ("use_model = true", "use_model")])
def test_a_mistyped_config_value_names_the_key(isolated_home, line: str, key: str) -> None:
    isolated_home.mkdir(parents=True, exist_ok=True)
    (isolated_home / "config.toml").write_text(line + "\n", encoding="utf-8")
    message = fails("client", "list", code=2)
    assert f"setting {key}" in message


@pytest.mark.parametrize("name", ["Maria \u202eGonzalez", "Maria\u200fGonzalez", "Maria\x07Gonzalez"])
def test_names_with_control_or_direction_characters_are_refused(name: str) -> None:
    assert "control or text-direction" in fails("client", "add", name, code=2)
    ok("client", "add", MARIA)
    assert "control or text-direction" in fails("person", "add", MARIA, name, code=2)
    assert "control or text-direction" in fails("client", "alias", MARIA, name, code=2)


def test_a_persian_name_with_a_zero_width_non_joiner_is_accepted() -> None:
    ok("client", "add", "Mohammad\u200cReza Tehrani")
