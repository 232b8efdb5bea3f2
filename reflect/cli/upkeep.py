"""Looking after the practice: audit, forget, reindex, doctor, keys, backups, and the demo."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Optional

import typer

from reflect.cli import shapes
from reflect.cli._base import (
    ClientArg,
    JsonOpt,
    Text,
    _console,
    _markup,
    _passphrase_prompt,
    _print_json,
    _require_practice,
    _run,
    app,
    open_for,
    options,
    root,
)
from reflect.cli.insight import show_brief
from reflect.core.errors import InputError


@app.command("audit")
@_run
def audit(
    client: Annotated[Optional[str], typer.Argument(help="Only this client's prompts.", show_default=False)] = None,
    as_json: JsonOpt = False,
) -> None:
    """The exact (redacted) prompts the model received."""
    with open_for(read_only=True) as practice:
        c = practice.roster.client(client) if client else None
        rows = practice.upkeep.audit(c)
    if as_json:
        _print_json(shapes.prompts(rows))
        return
    if not rows:
        typer.echo("the model has not been asked anything yet")
    for row in rows:
        stale = row.names_redacted_since
        mark = f" · holds {stale} name(s) put on the roster after it was sent" if stale else ""
        typer.echo(f"── {row.at} · client {row.client} · {row.purpose}{mark} ──\n{row.prompt}\n")


@app.command("forget")
@_run
def forget(
    client: ClientArg,
    yes: Annotated[bool, typer.Option("--yes", help="Confirm: erase this client and everything derived from their notes.")] = False,
) -> None:
    """Erase a client completely: notes, roster, pseudonym map, prompts and index."""
    with open_for() as practice:
        c = practice.roster.client(client)
        if not yes:
            raise InputError(f"forgetting {c.name} erases all their notes and cannot be undone; add --yes to confirm")
        practice.upkeep.forget(c)
    typer.echo(f"forgot {c.name}: notes, roster, pseudonym map, prompts and index erased")


@app.command("reindex")
@_run
def reindex(client: Annotated[Optional[str], typer.Argument(help="Only this client.", show_default=False)] = None) -> None:
    """Rebuild the search index from the store (the source of truth)."""
    with open_for() as practice:
        c = practice.roster.client(client) if client else None
        reports = practice.upkeep.reindex(c)
    changed = sum(r.notes_changed for r in reports.values())
    names = sum(r.names_caught for r in reports.values())
    typer.echo(f"reindexed {len(reports)} client(s): re-redacted {changed} note(s) with the current roster "
               f"({names} name(s) newly caught); {sum(r.passages_reembedded for r in reports.values())} passages embedded")


@app.command("doctor")
@_run
def doctor(as_json: JsonOpt = False) -> None:
    """Check models, store, index, servers and offline posture. Exit code 1 if a check fails."""
    with open_for(check_servers=False) as practice:  # a refused server address is one of its checks
        checks = practice.upkeep.doctor()
    failed = [ch for ch in checks if ch.ok is False]
    if as_json:
        _print_json(shapes.doctor(checks))
    else:
        for ch in checks:
            mark = {True: "[green]ok  [/green]", False: "[red]FAIL[/red]", None: "[yellow]warn[/yellow]"}[ch.ok]
            _console().print(_markup(mark), Text(f"{ch.name}: {ch.detail}"))
    if failed:
        raise typer.Exit(1)


@app.command("init")
@_run
def init(
    kdf_memory: Annotated[int, typer.Option("--kdf-memory", help="Argon2id memory in MiB (more is slower to guess; OWASP minimum 19).", min=19, max=4096)] = 64,
    keyring: Annotated[bool, typer.Option("--keyring", help="Remember the passphrase in the OS keyring (needs reflect[keyring]).")] = False,
    forget_keyring: Annotated[bool, typer.Option("--forget-keyring", help="Remove the passphrase from the OS keyring.")] = False,
) -> None:
    """Set up the practice's encryption (asks for a new passphrase, or uses REFLECT_PASSPHRASE).

    On a practice made before encryption, seals every existing row in place. Safe to run twice."""
    from reflect import keychain
    from reflect.core.opener import KdfParams

    where = root()
    if forget_keyring:
        removed = keychain.forget(where)
        typer.echo(f"passphrase {'removed from' if removed else 'was not in'} the OS keyring for {where}")
        return
    if keyring and not keychain.available():
        from reflect.core.errors import PassphraseError

        raise PassphraseError(keychain.NO_KEYRING)
    kdf = KdfParams(memory_kib=kdf_memory * 1024)
    asked = _passphrase_prompt(where)
    given: list[str] = []

    def source(new: bool) -> str:
        given.append(asked(new))
        return given[-1]

    with open_for(passphrase=source, kdf=kdf, announce=False) as practice:
        info = practice.encryption() or {}
        params = KdfParams.from_json(info["params"])
        clients = practice.client_count()
        created = practice.keys_created
        if keyring:
            keychain.remember(where, given[-1])  # only once the passphrase has opened the practice
    what = "is now encrypted" if created else "was already encrypted; the passphrase opens it"
    typer.echo(
        f"practice at {where} {what}: AES-256-GCM with a key per client, Argon2id {params.memory_kib // 1024} MiB "
        f"({clients} clients). Keep the passphrase safe: nothing can recover the notes without it; 'reflect backup FILE' keeps an encrypted copy."
        + (" The OS keyring now remembers it." if keyring else "")
    )


@app.command("passphrase")
@_run
def passphrase() -> None:
    """Change the passphrase. Keys are re-wrapped; no note is re-encrypted.

    The current passphrase comes from REFLECT_PASSPHRASE or a prompt, the new one from
    REFLECT_NEW_PASSPHRASE or a prompt (asked twice)."""
    import os

    from reflect.core.errors import PassphraseError

    where = root()
    _require_practice(where)
    with open_for() as practice:
        new = os.environ.get("REFLECT_NEW_PASSPHRASE")
        if not new:
            if not (sys.stdin.isatty() and sys.stderr.isatty()):
                raise PassphraseError("set REFLECT_NEW_PASSPHRASE, or run in a terminal to be asked for the new passphrase")
            new = typer.prompt("New passphrase", hide_input=True, confirmation_prompt=True, err=True)
        count = practice.change_passphrase(new)
    from reflect import keychain

    if keychain.recall(where) is not None:
        keychain.remember(where, new)
    typer.echo(f"passphrase changed for {where}: {count} keys re-wrapped, no note re-encrypted")


@app.command("backup")
@_run
def backup(
    path: Annotated[Path, typer.Argument(help="The backup file to write (must not exist yet, unless --force).")],
    force: Annotated[bool, typer.Option("--force", help="Replace the file if it exists.")] = False,
) -> None:
    """Write an encrypted backup of the whole practice (age format, same passphrase)."""
    from reflect.core import backup as backups
    from reflect.settings import resolve_passphrase

    where = root()
    _require_practice(where)
    secret = resolve_passphrase(options().passphrase or _passphrase_prompt(where), new=False)
    with open_for(passphrase=secret) as practice:
        info = backups.create(practice, path, secret, force=force)
    typer.echo(f"backup of {info.clients} clients and {info.notes} notes written to {info.path} ({info.bytes:,} bytes, encrypted)")


@app.command("restore")
@_run
def restore(
    path: Annotated[Path, typer.Argument(help="A backup file made by 'reflect backup'.")],
    replace: Annotated[bool, typer.Option("--replace", help="Replace the practice already in the data directory.")] = False,
) -> None:
    """Restore a practice from an encrypted backup into the data directory (all or nothing)."""
    from reflect.core import backup as backups
    from reflect.settings import resolve_passphrase

    where = root()
    secret = resolve_passphrase(_passphrase_prompt(where, "Backup passphrase"), new=False)
    info = backups.restore(where, path, secret, replace=replace)
    typer.echo(f"restored {info.clients} clients and {info.notes} notes (backup of {info.created}) into {where}")


@app.command("demo")
@_run
def demo(
    client: Annotated[str, typer.Option("--client", "-c", help="Which demo client's brief to show.")] = "Maria Gonzalez",
    tui: Annotated[bool, typer.Option("--tui", help="Open the terminal app on the demo practice instead of printing a brief.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Load a fictional demo practice into its own data dir and show a prep brief."""
    from reflect.core.demo import DEMO_PASSPHRASE, load_demo, reset_demo_dir
    from reflect.paths import DataPaths

    demo_dir = DataPaths(root()).demo
    reset_demo_dir(demo_dir)
    opts = replace(options(), data_dir=demo_dir, passphrase=DEMO_PASSPHRASE)
    with open_for(opts) as practice:
        names = load_demo(practice)
    if not as_json:
        typer.echo(
            f"demo practice with {len(names)} fictional clients ({', '.join(names)}) loaded into {demo_dir} "
            f"(encrypted with the published demo passphrase {DEMO_PASSPHRASE!r})",
            err=True,
        )
    if tui:
        from reflect.cli import open_tui

        open_tui(opts, demo=True)
        return
    show_brief(opts, client, out=None, force=False, as_json=as_json)
