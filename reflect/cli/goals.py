"""The engagement's goals (``reflect goal ...``) and the progress the sessions show on them
(``reflect progress``). Thin: parse, call ``practice.goals``, print (names restored on screen only)."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from reflect.cli import shapes
from reflect.cli._base import ClientArg, JsonOpt, Text, _console, _print_json, _run, app, goal_app, open_for
from reflect.core.domain import GoalStatus
from reflect.core.errors import InputError

GoalId = Annotated[int, typer.Argument(help="The goal's id from 'reflect goal list'.", metavar="ID")]
GoalText = Annotated[str, typer.Argument(help="Why the client came, in a sentence (names are redacted like a note's).", metavar="TEXT")]


@goal_app.command("add")
@_run
def goal_add(client: ClientArg, text: GoalText, as_json: JsonOpt = False) -> None:
    """Write down a goal of the engagement (redacted with the client's roster, then stored encrypted)."""
    with open_for() as practice:
        c = practice.roster.client(client)
        goal = practice.goals.add(c, text)
        reid = practice.roster.reidentifier(c)
    if as_json:
        _print_json(shapes.goal(goal, reid))
    else:
        typer.echo(f"goal {goal.id} added for {c.name}: {reid(goal.text)}")


@goal_app.command("list")
@_run
def goal_list(
    client: ClientArg,
    status: Annotated[Optional[str], typer.Option("--status", help="Only open, achieved or dropped.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """The engagement's goals, in order, with their status."""
    if status not in {None, "open", "achieved", "dropped"}:
        raise InputError(f"unknown goal status {status!r}: use open, achieved or dropped")
    with open_for(read_only=True) as practice:
        c = practice.roster.client(client)
        goals = practice.goals.list(c, status)  # type: ignore[arg-type]  # checked above
        reid = practice.roster.reidentifier(c)
    if as_json:
        _print_json({"goals": [shapes.goal(g, reid) for g in goals]})
        return
    if not goals:
        typer.echo(f"no {status + ' ' if status else ''}goals written down for {c.name}; 'reflect goal add' writes one")
        return
    from rich.table import Table

    table = Table("id", "goal", "status", "since")
    for g in goals:
        table.add_row(str(g.id), Text(reid(g.text)), g.status, g.created)
    _console().print(table)


@goal_app.command("edit")
@_run
def goal_edit(client: ClientArg, goal_id: GoalId, text: GoalText, as_json: JsonOpt = False) -> None:
    """Reword a goal (its status is kept)."""
    with open_for() as practice:
        c = practice.roster.client(client)
        goal = practice.goals.edit(c, goal_id, text)
        reid = practice.roster.reidentifier(c)
    if as_json:
        _print_json(shapes.goal(goal, reid))
    else:
        typer.echo(f"goal {goal.id} of {c.name} reworded: {reid(goal.text)}")


def _set_goal(client: str, goal_id: int, status: GoalStatus) -> None:
    with open_for() as practice:
        c = practice.roster.client(client)
        practice.goals.set_status(c, goal_id, status)
    typer.echo(f"goal {goal_id} of {c.name}: {status}")


@goal_app.command("done")
@_run
def goal_done(client: ClientArg, goal_id: GoalId) -> None:
    """Mark a goal as achieved."""
    _set_goal(client, goal_id, "achieved")


@goal_app.command("drop")
@_run
def goal_drop(client: ClientArg, goal_id: GoalId) -> None:
    """Mark a goal as dropped (the client let it go)."""
    _set_goal(client, goal_id, "dropped")


@goal_app.command("open")
@_run
def goal_open(client: ClientArg, goal_id: GoalId) -> None:
    """Mark a goal as open again."""
    _set_goal(client, goal_id, "open")


@goal_app.command("delete")
@_run
def goal_delete(
    client: ClientArg,
    goal_id: GoalId,
    yes: Annotated[bool, typer.Option("--yes", help="Confirm: erase this goal.")] = False,
) -> None:
    """Erase a goal (to mark it given up instead, use 'reflect goal drop')."""
    with open_for() as practice:
        c = practice.roster.client(client)
        goal = practice.goals.get(c, goal_id)
        if not yes:
            raise InputError(f"deleting goal {goal.id} of {c.name} cannot be undone; add --yes to confirm (or 'reflect goal drop' keeps it as dropped)")
        practice.goals.delete(c, goal.id)
    typer.echo(f"deleted goal {goal_id} of {c.name}")


@app.command("progress")
@_run
def progress(client: ClientArg, as_json: JsonOpt = False) -> None:
    """Each goal of the engagement: the sessions that talk about it, the latest passage, its commitments."""
    with open_for() as practice:
        c = practice.roster.client(client)
        found = practice.goals.progress(c)
        reid = practice.roster.reidentifier(c)
    if as_json:
        _print_json(shapes.progress(found, reid))
        return
    from reflect.render import progress_view

    _console().print(progress_view(found, reid))
