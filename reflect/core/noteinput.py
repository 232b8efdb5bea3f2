"""Turning files and stdin into notes to add: reading, checking and dating them.

Pure input handling, no models: a note is refused (``InputError``, one line, nothing stored) when the
file is missing, unreadable or not a regular file (a FIFO, a device), binary, not UTF-8, empty, longer than the limit, or carries an invalid
date. The date comes from ``--date``, else a ``date:`` front-matter line, else a ``YYYY-MM-DD`` prefix of
the file name, else (for a single note) today.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from reflect.core.errors import InputError

_FRONT_DATE = re.compile(r"\A(?:---\s*\n)?\s*date:\s*(?P<date>\S+)\s*\n", re.IGNORECASE)
_FRONT_BLOCK = re.compile(r"\A---\s*\n(?P<body>.*?)\n---\s*\n", re.DOTALL)
_NAME_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})")
NOTE_SUFFIXES = {".md", ".txt", ".markdown", ".text", ".note"}


@dataclass(frozen=True)
class NoteInput:
    """A note ready for the redaction gate."""

    date: date
    text: str
    source: str
    """Where it came from, for error messages only ("stdin" or a file name): never its text."""


def parse_date(value: str, where: str = "--date") -> date:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        raise InputError(f"invalid date {value!r} in {where}: use YYYY-MM-DD")
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InputError(f"invalid date {value!r} in {where}: no such day") from None


def decode(raw: bytes, source: str, max_chars: int) -> str:
    if b"\x00" in raw:
        raise InputError(f"{source} looks like a binary file, not a text note")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{source} is not valid UTF-8 text (byte {exc.start}); save it as UTF-8") from None
    if len(text) > max_chars:
        raise InputError(f"{source} has {len(text):,} characters; the limit is {max_chars:,} (setting max_note_chars)")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def split_front_matter(text: str, source: str) -> tuple[date | None, str]:
    """Strip a front-matter block or a leading ``date:`` line; return its date if any."""
    found: date | None = None
    block = _FRONT_BLOCK.match(text)
    if block:
        m = re.search(r"^date:\s*(\S+)\s*$", block.group("body"), re.IGNORECASE | re.MULTILINE)
        if m:
            found = parse_date(m.group(1), f"the date: line of {source}")
        text = text[block.end() :]
    else:
        m = _FRONT_DATE.match(text)
        if m:
            found = parse_date(m.group("date"), f"the date: line of {source}")
            text = text[m.end() :]
    return found, text


def from_bytes(raw: bytes, source: str, *, max_chars: int, explicit: date | None, name_date: date | None, default: date | None) -> NoteInput:
    text = decode(raw, source, max_chars)
    front, body = split_front_matter(text, source)
    if not body.strip():
        raise InputError(f"{source} is empty: nothing to add")
    when = explicit or front or name_date or default
    if when is None:
        raise InputError(f"{source} has no date: add a 'date: YYYY-MM-DD' line, a YYYY-MM-DD file-name prefix, or --date")
    return NoteInput(when, body.strip("\n"), source)


def max_bytes(max_chars: int) -> int:
    """The most bytes a note of ``max_chars`` characters can take in UTF-8 (plus a BOM)."""
    return 4 * max_chars + 3


def read_limited(path: Path, max_chars: int) -> bytes:
    """A note file's bytes: regular files only (a FIFO or /dev/zero would hang or exhaust memory, so
    they are refused after a stat, before any read), and never more than the limit allows plus one."""
    source = str(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        raise InputError(f"{source}: no such file") from None
    except OSError as exc:
        raise InputError(f"{source} cannot be read: {exc.strerror}") from None
    if stat.S_ISDIR(info.st_mode):
        raise InputError(f"{source} is a folder; use 'reflect import CLIENT {source}'")
    if not stat.S_ISREG(info.st_mode):
        raise InputError(f"{source} is not a regular file (a pipe, device or socket): give a note file")
    limit = max_bytes(max_chars)
    try:
        # O_NONBLOCK: should the file be swapped for a FIFO after the stat, opening it cannot hang.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise InputError(f"{source} is not a regular file (a pipe, device or socket): give a note file")
            with os.fdopen(fd, "rb", closefd=False) as handle:
                raw = handle.read(limit + 1)
        finally:
            os.close(fd)
    except OSError as exc:
        raise InputError(f"{source} cannot be read: {exc.strerror}") from None
    if len(raw) > limit:
        raise InputError(f"{source} is longer than the limit of {max_chars:,} characters (setting max_note_chars)")
    return raw


def read_files(paths: list[Path], *, max_chars: int, explicit: date | None) -> list[NoteInput]:
    """Read and check every file before anything is stored (all or nothing)."""
    single = len(paths) == 1
    notes = []
    for path in paths:
        source = str(path)
        raw = read_limited(path, max_chars)
        m = _NAME_DATE.match(path.name)
        name_date = parse_date(m.group(1), f"the file name {path.name}") if m else None
        notes.append(
            from_bytes(raw, source, max_chars=max_chars, explicit=explicit, name_date=name_date, default=date.today() if single else None)
        )
    return notes


def note_files(folder: Path) -> list[Path]:
    """The note files of a folder, in name order (hidden files skipped)."""
    if not folder.is_dir():
        raise InputError(f"{folder} is not a folder")
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in NOTE_SUFFIXES and not p.name.startswith("."))
    if not files:
        raise InputError(f"{folder} has no note files ({', '.join(sorted(NOTE_SUFFIXES))})")
    return files
