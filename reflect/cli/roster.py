"""The roster commands: clients, the people around them, and what is redacted for whom."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from reflect.cli import shapes
from reflect.cli._base import (
    ClientArg,
    JsonOpt,
    Text,
    _console,
    _print_json,
    _run,
    client_app,
    open_for,
    person_app,
)
from reflect.core.domain import Client
from reflect.core.services.results import Reredaction


@client_app.command("add")
@_run
def client_add(
    name: Annotated[str, typer.Argument(help="The client's full name.")],
    alias: Annotated[list[str], typer.Option("--alias", "-a", help="Another name or nickname (repeatable).")] = [],
    as_json: JsonOpt = False,
) -> None:
    """Add a client; their name and aliases join their roster and are always redacted."""
    with open_for() as practice:
        client = practice.roster.add_client(name, alias)
    if as_json:
        _print_json(shapes.client(client))
    else:
        typer.echo(f"added client {client.name} ({client.id})")


@client_app.command("list")
@_run
def client_list(as_json: JsonOpt = False) -> None:
    """List clients with their short id, number of notes and last session."""
    with open_for(read_only=True) as practice:
        rows = practice.roster.clients()
    if as_json:
        _print_json(shapes.clients(rows))
        return
    if not rows:
        typer.echo("no clients yet: add one with 'reflect client add NAME'")
        return
    from rich.table import Table

    table = Table("id", "name", "notes", "last session", "roster")
    for r in rows:
        table.add_row(r.client.id, Text(r.client.name), str(r.notes), r.last_session or "-", str(r.people))
    _console().print(table)


def _report_roster_change(c: Client, report: Reredaction, as_json: bool, done: str, **fields: str) -> None:
    """What a roster change did to the stored notes: JSON, or one line saying it."""
    if as_json:
        _print_json(shapes.roster_change(c, report, **fields))
    else:
        typer.echo(f"{done}; {report.describe()}")


@client_app.command("alias")
@_run
def client_alias(
    client: ClientArg,
    alias: Annotated[str, typer.Argument(help="Another name or nickname of the client.")],
    as_json: JsonOpt = False,
) -> None:
    """Add an alias to a client; the notes already stored are re-redacted."""
    with open_for() as practice:
        c = practice.roster.client(client)
        report = practice.roster.add_alias(c, alias)
    _report_roster_change(c, report, as_json, f"added the alias to {c.name}", alias=alias)


@person_app.command("add")
@_run
def person_add(
    client: ClientArg,
    name: Annotated[str, typer.Argument(help="The person's (or organisation's) name.")],
    alias: Annotated[list[str], typer.Option("--alias", "-a", help="Another name or nickname (repeatable).")] = [],
    role: Annotated[Optional[str], typer.Option("--role", "-r", help="Their role: boss, partner, daughter, employer...")] = None,
    org: Annotated[bool, typer.Option("--org", help="An organisation (employer, school, clinic...), whatever the role.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Add someone around the client to their roster (--org or role 'employer' makes it an
    organisation). Notes already stored are re-redacted with the new name."""
    with open_for() as practice:
        c = practice.roster.client(client)
        person, report = practice.roster.add_person(c, name, alias, role, org=org)
        placeholder = practice.roster.placeholder(c, person.name)
    if as_json:
        _print_json(shapes.person(person, c, placeholder, report))
    else:
        typer.echo(f"added {person.name} to the roster of {c.name} as {placeholder or '?'}; {report.describe()}")


@person_app.command("alias")
@_run
def person_alias(
    client: ClientArg,
    name: Annotated[str, typer.Argument(help="Someone on the client's roster (name or alias).")],
    alias: Annotated[str, typer.Argument(help="Another name or nickname of theirs.")],
    as_json: JsonOpt = False,
) -> None:
    """Add an alias to someone on a client's roster; the notes already stored are re-redacted."""
    with open_for() as practice:
        c = practice.roster.client(client)
        report = practice.roster.add_alias(c, alias, practice.roster.person(c, name))
    _report_roster_change(c, report, as_json, "added the alias", alias=alias)


@person_app.command("list")
@_run
def person_list(client: ClientArg, as_json: JsonOpt = False) -> None:
    """Everything redacted for a client: roster entries and names learned from notes, each with its
    placeholder and where it came from."""
    with open_for(read_only=True) as practice:
        c = practice.roster.client(client)
        entries = practice.roster.entries(c)
    if as_json:
        _print_json(shapes.roster(c, entries))
        return
    from rich.table import Table
    from rich.text import Text

    table = Table("placeholder", "type", "from", "forms", "role")
    origin = {"roster": "roster", "learned": "learned", "seen": "seen once", "not a name": "not a name"}
    for e in entries:
        table.add_row(Text(e.placeholder or "-"), e.type or "-", origin.get(e.origin, e.origin),
                      Text(", ".join(e.forms)), Text(e.role or ""))
    _console().print(table)
    typer.echo("learned: matched in later notes; seen once: redacted where the detector finds it. "
               "'reflect person ignore' says a form is not a name; 'reflect person merge' joins two entries.")


@person_app.command("ignore")
@_run
def person_ignore(
    client: ClientArg,
    form: Annotated[str, typer.Argument(help="A learned form that is not a name (e.g. 'Spoke').")],
    as_json: JsonOpt = False,
) -> None:
    """Say a learned form is not a name: it is no longer redacted for this client, and never learned again."""
    with open_for() as practice:
        c = practice.roster.client(client)
        report = practice.roster.not_a_name(c, form)
    _report_roster_change(c, report, as_json, f"no longer treated as a name for {c.name}")


@person_app.command("merge")
@_run
def person_merge(
    client: ClientArg,
    first: Annotated[str, typer.Argument(help="A form or placeholder (a roster entry's placeholder wins).")],
    second: Annotated[str, typer.Argument(help="Another form or placeholder of the same person.")],
    as_json: JsonOpt = False,
) -> None:
    """Join two entries that are one person under one placeholder; the notes are re-redacted."""
    with open_for() as practice:
        c = practice.roster.client(client)
        report = practice.roster.merge(c, first, second)
    _report_roster_change(c, report, as_json, "merged")
