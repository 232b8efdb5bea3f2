"""The commands a coach reads before and after a session: search, themes, questions, prep, commitments, follow-up."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from reflect.cli import shapes
from reflect.cli._base import (
    ClientArg,
    JsonOpt,
    Options,
    Text,
    _console,
    _print_json,
    _run,
    _stream_sink,
    _text_assemble,
    app,
    commitment_app,
    open_for,
    options,
)
from reflect.core.domain import CommitmentStatus
from reflect.core.errors import InputError


@app.command("search")
@_run
def search(
    client: ClientArg,
    query: Annotated[str, typer.Argument(help="What to look for (names in it are redacted before searching).")],
    k: Annotated[Optional[int], typer.Option("-k", help="How many passages (default 5).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Semantic search over one client's notes."""
    with open_for() as practice:
        c = practice.roster.client(client)
        results = practice.insight.search(c, query, k)
        reid = practice.roster.reidentifier(c)
        shown = [reid.quote(p.text, p.note_id) for p in results]
    if as_json:
        _print_json(shapes.search(results))
        return
    if not results:
        typer.echo(f"{c.name} has no notes to search yet")
    for p, text in zip(results, shown):
        typer.echo(f"[note {p.note_id} · {p.date} · {p.score:.2f}] {text}\n")


@app.command("themes")
@_run
def themes(
    client: ClientArg,
    since: Annotated[Optional[str], typer.Option("--since", help="Only sessions on or after YYYY-MM-DD.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Recurring themes across a client's sessions, with a timeline."""
    from reflect.core.noteinput import parse_date

    since_date = parse_date(since, "--since") if since else None
    with open_for() as practice:
        c = practice.roster.client(client)
        found = practice.insight.themes(c, since_date)
        notes = [n for n in practice.notes.list(c) if since_date is None or n.date >= since_date]
        reid = practice.roster.reidentifier(c)
    if as_json:
        _print_json({"themes": [shapes.theme(t) for t in found]})
        return
    from reflect.render import theme_timeline

    _console().print(theme_timeline(c.name, notes, found, reid))


@app.command("questions")
@_run
def questions(client: ClientArg, as_json: JsonOpt = False) -> None:
    """Reflection questions for the next session, each citing the notes behind it."""
    with open_for() as practice:
        c = practice.roster.client(client)
        result = practice.insight.questions(c, on_text=_stream_sink(not as_json))
        reid = practice.roster.reidentifier(c)
    if as_json:
        _print_json({"questions": [shapes.question(q, reid) for q in result.questions], "model_status": result.status})
        return
    from reflect.render import question_list

    sys.stderr.write("\n") if sys.stderr.isatty() else None
    _console().print(question_list(result.questions, reid, result.status, result.opening))


@app.command("prep")
@_run
def prep(
    client: ClientArg,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Also write the brief as Markdown to this file (private, 0600).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace the --out file if it exists.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """A one-screen brief for the next session: since last time, themes, questions."""
    show_brief(options(), client, out=out, force=force, as_json=as_json)


def show_brief(opts: Options, client: str, *, out: Path | None, force: bool, as_json: bool) -> None:
    """The prep brief of ``client`` in the practice ``opts`` names (the demo's too)."""
    from reflect.render import brief_markdown

    with open_for(opts) as practice:
        c = practice.roster.client(client)
        brief = practice.insight.prep(c, on_text=_stream_sink(not as_json))
        reid = practice.roster.reidentifier(c)
    if sys.stderr.isatty() and not as_json:
        sys.stderr.write("\n\n")
    markdown = brief_markdown(brief, reid)
    if out is not None:
        from reflect.core.privatefile import write_private

        write_private(out, markdown.encode("utf-8"), force=force)
    if as_json:
        _print_json(shapes.brief(brief, reid))
        return
    from rich.markdown import Markdown

    _console().print(Markdown(markdown))


@commitment_app.command("list")
@_run
def commitment_list(
    client: ClientArg,
    status: Annotated[Optional[str], typer.Option("--status", help="Only open, done or dropped.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Commitments found in the notes, with the status inferred from later notes or set by you."""
    if status not in {None, "open", "done", "dropped"}:
        raise InputError(f"unknown status {status!r}: use open, done or dropped")
    with open_for(read_only=True) as practice:
        c = practice.roster.client(client)
        items = [x for x in practice.commitments.list(c) if status is None or x.status == status]
        reid = practice.roster.reidentifier(c)
    if as_json:
        _print_json({"commitments": [shapes.commitment(x, reid) for x in items]})
        return
    if not items:
        typer.echo(f"no {status + ' ' if status else ''}commitments found in {c.name}'s notes")
        return
    from rich.table import Table

    table = Table("id", "agreed", "commitment", "status", "evidence")
    for x in items:
        ev = "; ".join(f"note {n}: {reid.quote(t, n)[:60]}…" for n, _d, t in x.evidence[:1])
        table.add_row(str(x.id), x.date, Text(reid.quote(x.text, x.note_id)), x.status + (" (you)" if x.source == "coach" else ""), Text(ev))
    _console().print(table)


def _set_commitment(client: str, commitment_id: int, status: CommitmentStatus | None) -> None:
    with open_for() as practice:
        c = practice.roster.client(client)
        practice.commitments.set_status(c, commitment_id, status)
    typer.echo(f"commitment {commitment_id}: {status or 'inferred from the notes again'}")


@commitment_app.command("add")
@_run
def commitment_add(
    client: ClientArg,
    note_id: Annotated[int, typer.Argument(help="The session it was agreed in: a note id from 'reflect note list'.", metavar="NOTE_ID")],
    text: Annotated[str, typer.Argument(help="What the client agreed to do (names are redacted like a note's).")],
    as_json: JsonOpt = False,
) -> None:
    """Write down a commitment the notes do not state in so many words."""
    with open_for() as practice:
        c = practice.roster.client(client)
        item = practice.commitments.add(c, note_id, text)
        reid = practice.roster.reidentifier(c)
    if as_json:
        _print_json(shapes.commitment(item, reid))
    else:
        typer.echo(f"commitment {item.id} added to the session of {item.date} for {c.name}: {reid(item.text)}")


@commitment_app.command("edit")
@_run
def commitment_edit(
    client: ClientArg,
    commitment_id: Annotated[int, typer.Argument(help="Id from 'reflect commitment list'.")],
    text: Annotated[str, typer.Argument(help="The commitment in your words (names are redacted like a note's).")],
) -> None:
    """Reword a commitment (it is then kept as you wrote it)."""
    with open_for() as practice:
        c = practice.roster.client(client)
        practice.commitments.edit(c, commitment_id, text)
    typer.echo(f"commitment {commitment_id} of {c.name} reworded")


@commitment_app.command("done")
@_run
def commitment_done(client: ClientArg, commitment_id: Annotated[int, typer.Argument(help="Id from 'reflect commitment list'.")]) -> None:
    """Mark a commitment as done."""
    _set_commitment(client, commitment_id, "done")


@commitment_app.command("drop")
@_run
def commitment_drop(client: ClientArg, commitment_id: Annotated[int, typer.Argument(help="Id from 'reflect commitment list'.")]) -> None:
    """Mark a commitment as dropped."""
    _set_commitment(client, commitment_id, "dropped")


@commitment_app.command("open")
@_run
def commitment_open(
    client: ClientArg,
    commitment_id: Annotated[int, typer.Argument(help="Id from 'reflect commitment list'.")],
    infer: Annotated[bool, typer.Option("--infer", help="Forget your setting and infer the status from the notes again.")] = False,
) -> None:
    """Mark a commitment as open again (or, with --infer, let reflect infer it)."""
    _set_commitment(client, commitment_id, None if infer else "open")


@app.command("followup")
@_run
def followup(
    client: ClientArg,
    note: Annotated[Optional[int], typer.Option("--note", help="The session to follow up (default: the latest).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Follow-up questions and a recap draft after a session."""
    with open_for() as practice:
        c = practice.roster.client(client)
        result = practice.insight.followup(c, note, on_text=_stream_sink(not as_json))
        reid = practice.roster.reidentifier(c)
    if as_json:
        _print_json(shapes.followup(result, reid))
        return
    from reflect.render import question_list, said

    sys.stderr.write("\n") if sys.stderr.isatty() else None
    console = _console()
    console.print(Text(f"Follow-up for {c.name}, session of {result.note.date.isoformat()}\n", style="bold"))
    console.print(question_list(result.questions, reid, result.status))
    console.print(_text_assemble("\n", ("Recap draft", "bold"), "\n", said(reid, result.recap, result.note.id)))
