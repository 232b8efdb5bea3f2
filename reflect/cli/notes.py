"""The note commands: add, import, correct, delete, list and show notes, and preview redaction."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Optional

import typer

from reflect.cli import shapes
from reflect.cli._base import (
    ClientArg,
    JsonOpt,
    Text,
    _check_not_future,
    _console,
    _print_json,
    _run,
    app,
    note_app,
    open_for,
    open_preview,
)
from reflect.core.errors import InputError


@note_app.command("add")
@_run
def note_add(
    client: ClientArg,
    files: Annotated[Optional[list[Path]], typer.Argument(help="Note files, or - (or nothing) for standard input.", show_default=False)] = None,
    when: Annotated[Optional[str], typer.Option("--date", "-d", metavar="YYYY-MM-DD", help="Session date YYYY-MM-DD (default: front matter, file-name prefix, or today).")] = None,
    same_date: Annotated[bool, typer.Option("--same-date", help="With several files: give them all the --date.")] = False,
    allow_future: Annotated[bool, typer.Option("--allow-future", help="Accept a session date after today.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Add one or many notes. All are checked and redacted before any is stored."""
    from reflect.core import noteinput

    explicit = noteinput.parse_date(when) if when else None
    if explicit and files and len(files) > 1 and not same_date:
        raise InputError(
            f"with {len(files)} files each note's date comes from its file name or 'date:' line; "
            "add --same-date to give them all the --date instead"
        )
    with open_for() as practice:
        limit = practice.settings.max_note_chars
        if not files or files == [Path("-")]:
            if sys.stdin.isatty():
                raise InputError("give one or more note files, or pipe a note on standard input")
            raw = sys.stdin.buffer.read(limit * 4 + 1)
            inputs = [noteinput.from_bytes(raw, "standard input", max_chars=limit, explicit=explicit, name_date=None, default=date.today())]
        else:
            inputs = noteinput.read_files(files, max_chars=limit, explicit=explicit)
        _check_not_future([item.date for item in inputs], allow_future)
        c = practice.roster.client(client)
        notes = practice.notes.add(c, inputs)
    if as_json:
        _print_json(shapes.notes_added(notes))
    else:
        for n in notes:
            typer.echo(f"added note {n.id} ({n.date.isoformat()}) for {c.name}")


@app.command("import")
@_run
def import_notes(
    client: ClientArg,
    folder: Annotated[Path, typer.Argument(help="A folder of note files (.md, .txt); dates from front matter or file names.")],
    as_json: JsonOpt = False,
) -> None:
    """Add every note file in a folder (all or nothing)."""
    from reflect.core import noteinput

    with open_for() as practice:
        c = practice.roster.client(client)
        inputs = noteinput.read_files(noteinput.note_files(folder), max_chars=practice.settings.max_note_chars, explicit=None)
        notes = practice.notes.add(c, inputs)
    if as_json:
        _print_json(shapes.notes_added(notes))
    else:
        typer.echo(f"imported {len(notes)} notes for {c.name}")


@note_app.command("delete")
@_run
def note_delete(
    client: ClientArg,
    note_id: Annotated[int, typer.Argument(help="The note id from 'reflect note list'.", metavar="NOTE_ID")],
    yes: Annotated[bool, typer.Option("--yes", help="Confirm: erase this note and everything derived from it.")] = False,
) -> None:
    """Erase one note: its text, redaction, commitments and index entries (to the standard of forget)."""
    with open_for() as practice:
        c = practice.roster.client(client)
        note = practice.notes.get(c, note_id)
        if not yes:
            raise InputError(f"deleting note {note.id} of {c.name} ({note.date.isoformat()}) cannot be undone; add --yes to confirm")
        practice.notes.delete(c, note.id)
    typer.echo(f"deleted note {note_id} of {c.name} ({note.date.isoformat()}); its index entries and commitments are gone")


@note_app.command("edit")
@_run
def note_edit(
    client: ClientArg,
    note_id: Annotated[int, typer.Argument(help="The note id from 'reflect note list'.", metavar="NOTE_ID")],
    file: Annotated[Optional[Path], typer.Argument(help="The corrected note (a file, or - for standard input); leave out to change only the date.", metavar="[FILE|-]", show_default=False)] = None,
    when: Annotated[Optional[str], typer.Option("--date", "-d", metavar="YYYY-MM-DD", help="A new session date.")] = None,
    allow_future: Annotated[bool, typer.Option("--allow-future", help="Accept a session date after today.")] = False,
) -> None:
    """Correct a note: its text (redacted and indexed again) and/or its date."""
    from reflect.core import noteinput

    new_date = noteinput.parse_date(when) if when else None
    if file is None and new_date is None:
        raise InputError("give the corrected note (a file or -) and/or --date")
    if new_date:
        _check_not_future([new_date], allow_future)
    with open_for() as practice:
        c = practice.roster.client(client)
        note = practice.notes.get(c, note_id)
        limit = practice.settings.max_note_chars
        if file is None:
            assert new_date is not None  # checked above: a file or a date
            practice.notes.redate(c, note.id, new_date)
            typer.echo(f"note {note.id} of {c.name} is now dated {new_date.isoformat()}")
            return
        if file == Path("-"):
            raw = sys.stdin.buffer.read(noteinput.max_bytes(limit) + 1)
            item = noteinput.from_bytes(raw, "standard input", max_chars=limit, explicit=new_date, name_date=None, default=note.date)
        else:
            [item] = noteinput.read_files([file], max_chars=limit, explicit=new_date or note.date)
        practice.notes.edit(c, note.id, item)
    typer.echo(f"note {note.id} of {c.name} ({item.date.isoformat()}) saved, redacted and indexed again")


@note_app.command("list")
@_run
def note_list(client: ClientArg, as_json: JsonOpt = False) -> None:
    """List a client's notes, oldest first."""
    with open_for(read_only=True) as practice:
        c = practice.roster.client(client)
        notes = practice.notes.list(c)
    if as_json:
        _print_json(shapes.note_list(notes))
        return
    if not notes:
        typer.echo(f"{c.name} has no notes yet")
        return
    from rich.table import Table

    table = Table("#", "id", "date", "chars", "begins", caption="# counts this client's sessions in date order; commands take the id")
    for i, n in enumerate(notes, 1):
        table.add_row(str(i), str(n.id), n.date.isoformat(), str(n.chars), Text(" ".join(n.original.split())[:50] + "…"))
    _console().print(table)


@note_app.command("show")
@_run
def note_show(
    client: ClientArg,
    note_id: Annotated[int, typer.Argument(help="The note id from 'reflect note list'.")],
    redacted: Annotated[bool, typer.Option("--redacted", help="Show exactly what the index and the model see.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Show one note: the original (for you) or the redacted text (what the model sees)."""
    with open_for(read_only=True) as practice:
        c = practice.roster.client(client)
        note = practice.notes.get(c, note_id)
    if as_json:
        _print_json(shapes.note(note, c, redacted))
        return
    typer.echo(f"note {note.id} · {c.name} · {note.date.isoformat()}\n")
    if redacted:
        from reflect.render import highlight_placeholders

        _console().print(highlight_placeholders(note.redacted))
    else:
        typer.echo(note.original)


@app.command("redact")
@_run
def redact(
    file: Annotated[Optional[Path], typer.Argument(help="A note file, or - (or nothing) for standard input.", show_default=False)] = None,
    client: Annotated[Optional[str], typer.Option("--client", "-c", help="Use this client's roster and learned names.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Preview what redaction does to a note. Stores nothing."""
    from reflect.core import noteinput

    with (open_for(read_only=True) if client else open_preview()) as practice:
        limit = practice.settings.max_note_chars
        if file is None or file == Path("-"):
            if sys.stdin.isatty():
                raise InputError("give a note file, or pipe a note on standard input")
            text = noteinput.decode(sys.stdin.buffer.read(limit * 4 + 1), "standard input", limit)
        else:
            [item] = noteinput.read_files([file], max_chars=limit, explicit=date.today())
            text = item.text
        if not text.strip():
            raise InputError("the note is empty: nothing to redact")
        c = practice.roster.client(client) if client else None
        result = practice.notes.preview(text, c) if c else practice.preview(text)
    if as_json:
        _print_json(shapes.redaction(result))
        return
    from reflect.render import redaction_preview

    console = _console()
    console.print(redaction_preview(text, result))
