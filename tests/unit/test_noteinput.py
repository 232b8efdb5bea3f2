from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from reflect.core import noteinput
from reflect.core.errors import InputError


def test_dates_from_front_matter_file_name_and_flag(tmp_path: Path) -> None:
    a = tmp_path / "a.md"
    a.write_text("date: 2026-03-04\nHello there.")
    b = tmp_path / "2026-05-06-session.md"
    b.write_text("---\ntitle: x\ndate: 2026-01-02\n---\nBody")
    c = tmp_path / "2026-07-08.txt"
    c.write_text("Body")
    notes = noteinput.read_files([a, b, c], max_chars=1000, explicit=None)
    assert [n.date for n in notes] == [date(2026, 3, 4), date(2026, 1, 2), date(2026, 7, 8)]
    assert notes[0].text == "Hello there."
    assert notes[1].text == "Body"
    forced = noteinput.read_files([a], max_chars=1000, explicit=date(2025, 1, 1))
    assert forced[0].date == date(2025, 1, 1)


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "empty"),
        (b"date: 2026-01-01\n   \n", "empty"),
        (b"\x00\x01binary", "binary"),
        (b"caf\xe9", "UTF-8"),
        (b"date: 2026-02-30\nx", "no such day"),
        (b"date: tomorrow\nx", "YYYY-MM-DD"),
        (b"x" * 101, "limit"),
    ],
)
def test_bad_files_are_refused(tmp_path: Path, content: bytes, message: str) -> None:
    f = tmp_path / "n.md"
    f.write_bytes(content)
    with pytest.raises(InputError, match=message):
        noteinput.read_files([f], max_chars=100, explicit=None)


def test_several_files_need_a_date_each(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("one")
    (tmp_path / "b.md").write_text("two")
    with pytest.raises(InputError, match="no date"):
        noteinput.read_files([tmp_path / "a.md", tmp_path / "b.md"], max_chars=100, explicit=None)


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        noteinput.read_files([tmp_path / "nope.md"], max_chars=100, explicit=None)
    with pytest.raises(InputError, match="is a folder"):
        noteinput.read_files([tmp_path], max_chars=100, explicit=None)
    with pytest.raises(InputError, match="no note files"):
        noteinput.note_files(tmp_path)
