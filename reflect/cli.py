"""The Typer command line: thin commands that parse options, call ``reflect.core``, and print.

Owns the public CLI contract (README): command names, options, exit codes and JSON shapes. Errors a
coach can fix are one line on stderr and a non-zero exit (converted in one place, ``_run``). Heavy
modules are imported inside commands, so ``reflect --help`` stays fast and loads no model library.
"""

from __future__ import annotations

import functools
import json
import logging
import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Optional

import typer

from reflect import __version__
from reflect.core import hardening
from reflect.core.errors import InputError, ReflectError

app = typer.Typer(
    name="reflect",
    help="A private, on-device session-reflection assistant for coaches. Nothing leaves this machine.",
    context_settings={"help_option_names": ["-h", "--help"]},
    no_args_is_help=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)
client_app = typer.Typer(help="Manage clients.", no_args_is_help=True)
person_app = typer.Typer(help="Manage the people around a client (the roster).", no_args_is_help=True)
note_app = typer.Typer(help="Add and read session notes.", no_args_is_help=True)
app.add_typer(client_app, name="client")
app.add_typer(person_app, name="person")
app.add_typer(note_app, name="note")

log = logging.getLogger("reflect")


def _plain_flags() -> None:
    """Typer 0.2x prints the Python type of every parameter in --help ("--json <bool>", "CLIENT <str>");
    a flag takes no value and an argument says what it is in its help, so neither shows a type.
    (Contained here; without the hook the help is only noisier.)"""
    try:
        from typer.core import TyperArgument, TyperOption
    except ImportError:  # pragma: no cover - another typer layout
        return
    for cls in (TyperOption, TyperArgument):
        original = getattr(cls, "display_type_rich", None)
        if original is None or getattr(original, "_reflect", False):
            continue

        def display_type_rich(self, ctx, _argument=cls is TyperArgument):
            if _argument or getattr(self, "is_flag", False):
                return None
            return self.metavar or (self.name or "value").upper()  # "--date DATE", not "--date <str>"

        display_type_rich._reflect = True  # type: ignore[attr-defined]
        cls.display_type_rich = display_type_rich


_plain_flags()


class State:
    data_dir: Optional[Path] = None
    model: Optional[str] = None
    passphrase: Optional[str] = None
    """Set only for the demo practice, whose fictional data is sealed with a published passphrase."""


state = State()

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON (see the README for the shapes).")]
ClientArg = Annotated[str, typer.Argument(help="The client: name, alias or a unique beginning of the name (any case or accents), or short id.",
                                          show_default=False, metavar="CLIENT")]


def _run(fn):
    """Convert reflect's errors into one line on stderr and the error's exit code."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except ReflectError as exc:
            typer.echo(f"reflect: error: {exc}", err=True)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            typer.echo("reflect: interrupted; nothing partial was stored", err=True)
            raise typer.Exit(130) from None

    return wrapper


def _version(value: bool) -> None:
    if value:
        typer.echo(f"reflect {__version__}")
        raise typer.Exit()


@app.callback(invoke_without_command=True)
def main_callback(
    ctx: typer.Context,
    data_dir: Annotated[
        Optional[Path], typer.Option("--data-dir", envvar="REFLECT_HOME", help="Data directory (default: the platform's user data dir).")
    ] = None,
    model: Annotated[Optional[str], typer.Option("--model", envvar="REFLECT_MODEL", help="A GGUF chat model to use instead of the default.")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log ids, counts and timings to stderr (never note text).")] = False,
    version: Annotated[Optional[bool], typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")] = None,
) -> None:
    state.data_dir = data_dir
    state.model = model
    state.passphrase = None
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="reflect: %(levelname)s %(name)s: %(message)s")
    # Only reflect speaks on stderr: Presidio logs every recognizer it loads at INFO and warns about
    # NER labels it does not map; those stay out of a coach's terminal (--verbose shows warnings).
    logging.getLogger("presidio-analyzer").setLevel(logging.WARNING if verbose else logging.ERROR)
    if ctx.invoked_subcommand is None:
        _run(_open_tui)(demo=False)


def _open_tui(demo: bool) -> None:
    from reflect.tui.app import run_app

    root = _root()
    run_app(data_dir=root, demo=demo, model=state.model, passphrase=state.passphrase or _passphrase_prompt(root))


def _root(data_dir: Optional[Path] = None) -> Path:
    from reflect.paths import default_data_dir

    return (data_dir or state.data_dir or default_data_dir()).expanduser()


def _passphrase_prompt(root: Path, label: str = "Passphrase"):
    """The passphrase source of the CLI: ``REFLECT_PASSPHRASE`` when set (nothing prompts), else a
    hidden prompt when there is a terminal to ask in, else nothing (the core then says what to set)."""
    import os

    from reflect.settings import ENV_PASSPHRASE

    def ask(new: bool) -> str:
        if os.environ.get(ENV_PASSPHRASE):
            return os.environ[ENV_PASSPHRASE]
        if not new and label == "Passphrase":
            from reflect import keychain

            remembered = keychain.recall(root)
            if remembered:
                return remembered
        if not (sys.stdin.isatty() and sys.stderr.isatty()):
            return ""
        if new:
            typer.echo(
                f"Setting up a new practice in {root}. Choose a passphrase (at least 8 characters): it encrypts "
                "everything that names a client or says what they said, and it cannot be recovered.",
                err=True,
            )
            return typer.prompt(f"New {label.lower()}", hide_input=True, confirmation_prompt=True, err=True)
        return typer.prompt(f"{label} for {root}", hide_input=True, err=True)

    return ask


def _practice(data_dir: Optional[Path] = None, *, read_only: bool = False, passphrase=None, kdf=None):
    """Open and unlock the practice with settings from config, env and options. Writers take the
    single-writer lock; ``read_only`` commands take none and work while the app is open. The
    passphrase is ``passphrase`` if given, else the demo's, else ``REFLECT_PASSPHRASE`` or a prompt."""
    from reflect.core.practice import Practice
    from reflect.paths import DataPaths
    from reflect.settings import Settings

    root = _root(data_dir)
    settings = Settings.load(DataPaths(root).config, model=state.model)
    source = passphrase or state.passphrase or _passphrase_prompt(root)
    return Practice.open(root, settings, passphrase=source, read_only=read_only, kdf=kdf)


def _detached():
    """A practice object with no store and no lock, for a redaction preview that needs only the gate."""
    from reflect.core.practice import Practice
    from reflect.paths import DataPaths
    from reflect.settings import Settings

    root = _root()
    return Practice.detached(root, Settings.load(DataPaths(root).config, model=state.model))


def Text(*args, **kwargs):  # noqa: N802 - rich's Text, imported when a command prints (keeps --help fast)
    from rich.text import Text as RichText

    return RichText(*args, **kwargs)


def _markup(text: str):
    from rich.text import Text as RichText

    return RichText.from_markup(text)


def _text_assemble(*parts):
    from rich.text import Text as RichText

    return RichText.assemble(*parts)


def _console():
    from rich.console import Console

    return Console(highlight=False, soft_wrap=False)


def _print_json(data: object) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


def _evidence(evs) -> list[dict]:
    return [{"note_id": e.note_id, "date": e.date, "text": e.text} for e in evs]


# clients and roster ---------------------------------------------------------------------------------
@client_app.command("add")
@_run
def client_add(
    name: Annotated[str, typer.Argument(help="The client's full name.")],
    alias: Annotated[list[str], typer.Option("--alias", "-a", help="Another name or nickname (repeatable).")] = [],
    as_json: JsonOpt = False,
) -> None:
    """Add a client; their name and aliases join their roster and are always redacted."""
    with _practice() as practice:
        client = practice.add_client(name, alias)
    if as_json:
        _print_json({"id": client.id, "name": client.name, "aliases": list(client.aliases)})
    else:
        typer.echo(f"added client {client.name} ({client.id})")


@client_app.command("list")
@_run
def client_list(as_json: JsonOpt = False) -> None:
    """List clients with their short id, number of notes and last session."""
    with _practice(read_only=True) as practice:
        rows = practice.clients()
    if as_json:
        _print_json({"clients": [
            {"id": r.client.id, "name": r.client.name, "aliases": list(r.client.aliases), "notes": r.notes,
             "last_session": r.last_session, "people": r.people}
            for r in rows
        ]})
        return
    if not rows:
        typer.echo("no clients yet: add one with 'reflect client add NAME'")
        return
    from rich.table import Table

    table = Table("id", "name", "notes", "last session", "roster")
    for r in rows:
        table.add_row(r.client.id, Text(r.client.name), str(r.notes), r.last_session or "-", str(r.people))
    _console().print(table)


def _reredaction_json(report) -> dict:
    return {"notes_checked": report.notes_checked, "notes_changed": report.notes_changed, "names_caught": report.names_caught,
            "passages_reembedded": report.passages_reembedded}


def _report_roster_change(c, report, as_json: bool, done: str, **fields) -> None:
    """What a roster change did to the stored notes: JSON, or one line saying it."""
    if as_json:
        _print_json({"client": c.id, **fields, "reredaction": _reredaction_json(report)})
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
    with _practice() as practice:
        c = practice.client(client)
        report = practice.add_alias(c, alias)
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
    with _practice() as practice:
        c = practice.client(client)
        person, report = practice.add_person(c, name, alias, role, org=org)
        from reflect.core.redaction.text import fold

        placeholder = practice.pseudonym_map(c).lookup(fold(person.name))
    if as_json:
        _print_json({"id": person.id, "client": c.id, "name": person.name, "aliases": list(person.aliases), "role": person.role,
                     "kind": person.kind, "placeholder": placeholder[1] if placeholder else None,
                     "reredaction": _reredaction_json(report)})
    else:
        typer.echo(f"added {person.name} to the roster of {c.name} as {placeholder[1] if placeholder else '?'}; {report.describe()}")


@person_app.command("alias")
@_run
def person_alias(
    client: ClientArg,
    name: Annotated[str, typer.Argument(help="Someone on the client's roster (name or alias).")],
    alias: Annotated[str, typer.Argument(help="Another name or nickname of theirs.")],
    as_json: JsonOpt = False,
) -> None:
    """Add an alias to someone on a client's roster; the notes already stored are re-redacted."""
    with _practice() as practice:
        c = practice.client(client)
        report = practice.add_alias(c, alias, practice.person(c, name))
    _report_roster_change(c, report, as_json, "added the alias", alias=alias)


@person_app.command("list")
@_run
def person_list(client: ClientArg, as_json: JsonOpt = False) -> None:
    """Everything redacted for a client: roster entries and names learned from notes, each with its
    placeholder and where it came from."""
    with _practice(read_only=True) as practice:
        c = practice.client(client)
        entries = practice.roster_entries(c)
    if as_json:
        _print_json({"client": c.id, "entries": entries})
        return
    from rich.table import Table
    from rich.text import Text

    table = Table("placeholder", "type", "from", "forms", "role")
    origin = {"roster": "roster", "learned": "learned", "seen": "seen once", "not a name": "not a name"}
    for e in entries:
        table.add_row(Text(e["placeholder"] or "-"), e["type"] or "-", origin.get(e["origin"], e["origin"]),
                      Text(", ".join(e["forms"])), Text(e["role"] or ""))
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
    with _practice() as practice:
        c = practice.client(client)
        report = practice.not_a_name(c, form)
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
    with _practice() as practice:
        c = practice.client(client)
        report = practice.merge(c, first, second)
    _report_roster_change(c, report, as_json, "merged")


# notes ------------------------------------------------------------------------------------------
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
    with _practice() as practice:
        limit = practice.settings.max_note_chars
        if not files or files == [Path("-")]:
            if sys.stdin.isatty():
                raise InputError("give one or more note files, or pipe a note on standard input")
            raw = sys.stdin.buffer.read(limit * 4 + 1)
            inputs = [noteinput.from_bytes(raw, "standard input", max_chars=limit, explicit=explicit, name_date=None, default=date.today())]
        else:
            inputs = noteinput.read_files(files, max_chars=limit, explicit=explicit)
        _check_not_future([item.date for item in inputs], allow_future)
        c = practice.client(client)
        notes = practice.add_notes(c, inputs)
    if as_json:
        _print_json({"notes": [{"id": n.id, "date": n.date.isoformat()} for n in notes]})
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

    with _practice() as practice:
        c = practice.client(client)
        inputs = noteinput.read_files(noteinput.note_files(folder), max_chars=practice.settings.max_note_chars, explicit=None)
        notes = practice.add_notes(c, inputs)
    if as_json:
        _print_json({"notes": [{"id": n.id, "date": n.date.isoformat()} for n in notes]})
    else:
        typer.echo(f"imported {len(notes)} notes for {c.name}")


def _check_not_future(days: list[date], allow: bool) -> None:
    future = sorted(d for d in days if d > date.today())
    if future and not allow:
        raise InputError(f"the session date {future[0].isoformat()} is in the future; add --allow-future if that is right")


@note_app.command("delete")
@_run
def note_delete(
    client: ClientArg,
    note_id: Annotated[int, typer.Argument(help="The note id from 'reflect note list'.", metavar="NOTE_ID")],
    yes: Annotated[bool, typer.Option("--yes", help="Confirm: erase this note and everything derived from it.")] = False,
) -> None:
    """Erase one note: its text, redaction, commitments and index entries (to the standard of forget)."""
    with _practice() as practice:
        c = practice.client(client)
        note = practice.note(c, note_id)
        if not yes:
            raise InputError(f"deleting note {note.id} of {c.name} ({note.date.isoformat()}) cannot be undone; add --yes to confirm")
        practice.delete_note(c, note.id)
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
    with _practice() as practice:
        c = practice.client(client)
        note = practice.note(c, note_id)
        limit = practice.settings.max_note_chars
        if file is None:
            practice.redate_note(c, note.id, new_date)
            typer.echo(f"note {note.id} of {c.name} is now dated {new_date.isoformat()}")
            return
        if file == Path("-"):
            raw = sys.stdin.buffer.read(noteinput.max_bytes(limit) + 1)
            item = noteinput.from_bytes(raw, "standard input", max_chars=limit, explicit=new_date, name_date=None, default=note.date)
        else:
            [item] = noteinput.read_files([file], max_chars=limit, explicit=new_date or note.date)
        practice.edit_note(c, note.id, item)
    typer.echo(f"note {note.id} of {c.name} ({item.date.isoformat()}) saved, redacted and indexed again")


@note_app.command("list")
@_run
def note_list(client: ClientArg, as_json: JsonOpt = False) -> None:
    """List a client's notes, oldest first."""
    with _practice(read_only=True) as practice:
        c = practice.client(client)
        notes = practice.notes(c)
    if as_json:
        _print_json({"notes": [{"id": n.id, "number": i, "date": n.date.isoformat(), "chars": n.chars} for i, n in enumerate(notes, 1)]})
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
    with _practice(read_only=True) as practice:
        c = practice.client(client)
        note = practice.note(c, note_id)
    if as_json:
        data = {"id": note.id, "client": c.id, "date": note.date.isoformat()}
        data.update({"redacted": note.redacted} if redacted else {"text": note.original})
        _print_json(data)
        return
    typer.echo(f"note {note.id} · {c.name} · {note.date.isoformat()}\n")
    if redacted:
        from reflect.render import highlight_placeholders

        _console().print(highlight_placeholders(note.redacted))
    else:
        typer.echo(note.original)


# redaction preview ------------------------------------------------------------------------------
@app.command("redact")
@_run
def redact(
    file: Annotated[Optional[Path], typer.Argument(help="A note file, or - (or nothing) for standard input.", show_default=False)] = None,
    client: Annotated[Optional[str], typer.Option("--client", "-c", help="Use this client's roster and learned names.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Preview what redaction does to a note. Stores nothing."""
    from reflect.core import noteinput

    with (_practice(read_only=True) if client else _detached()) as practice:
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
        c = practice.client(client) if client else None
        result = practice.preview_redaction(text, c)
    if as_json:
        _print_json({
            "redacted": result.redacted,
            "entities": [{"type": e.type, "start": e.start, "end": e.end, "placeholder": e.placeholder} for e in result.entities],
        })
        return
    from reflect.render import redaction_preview

    console = _console()
    console.print(redaction_preview(text, result))


# retrieval and features -------------------------------------------------------------------------
@app.command("search")
@_run
def search(
    client: ClientArg,
    query: Annotated[str, typer.Argument(help="What to look for (names in it are redacted before searching).")],
    k: Annotated[Optional[int], typer.Option("-k", help="How many passages (default 5).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Semantic search over one client's notes."""
    with _practice() as practice:
        c = practice.client(client)
        results = practice.search(c, query, k)
        shown = [practice.reidentify(c, p.text) for p in results]
    if as_json:
        _print_json({"results": [{"note_id": p.note_id, "date": p.date, "text": p.text, "score": p.score} for p in results]})
        return
    if not results:
        typer.echo(f"{c.name} has no notes to search yet")
    for p, text in zip(results, shown):
        typer.echo(f"[note {p.note_id} · {p.date} · {p.score:.2f}] {text}\n")


def _theme_json(t) -> dict:
    return {
        "label": t.label,
        "sessions": [{"note_id": s.note_id, "date": s.date, "strength": st} for s, st in zip(t.sessions, t.strengths)],
        "evidence": _evidence(t.evidence),
        "trend": t.trend,
        "first_seen": t.sessions[0].date,
        "last_seen": t.sessions[-1].date,
        "keyphrases": list(t.keyphrases),
    }


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
    with _practice() as practice:
        c = practice.client(client)
        found = practice.themes(c, since_date)
        notes = [n for n in practice.notes(c) if since_date is None or n.date >= since_date]
        reid = practice.pseudonym_map(c).reidentify
    if as_json:
        _print_json({"themes": [_theme_json(t) for t in found]})
        return
    from reflect.render import theme_timeline

    _console().print(theme_timeline(c.name, notes, found, reid))


def _question_json(q, reid) -> dict:
    return {"text": q.text, "display": reid(q.text), "source": q.source, "evidence": _evidence(q.evidence)}


def _stream_sink(enabled: bool):
    """Show the model's output as it is generated (on stderr, only in a terminal)."""
    if not enabled or not sys.stderr.isatty():
        return None
    typer.echo("model is writing (what it sees and says is redacted):", err=True)

    def sink(piece: str) -> None:
        sys.stderr.write(piece)
        sys.stderr.flush()

    return sink


@app.command("questions")
@_run
def questions(client: ClientArg, as_json: JsonOpt = False) -> None:
    """Reflection questions for the next session, each citing the notes behind it."""
    with _practice() as practice:
        c = practice.client(client)
        result = practice.questions(c, on_text=_stream_sink(not as_json))
        reid = practice.pseudonym_map(c).reidentify
    if as_json:
        _print_json({"questions": [_question_json(q, reid) for q in result.questions], "model_status": result.status})
        return
    from reflect.render import question_list

    sys.stderr.write("\n") if sys.stderr.isatty() else None
    _console().print(question_list(result.questions, reid, result.status))


@app.command("prep")
@_run
def prep(
    client: ClientArg,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Also write the brief as Markdown to this file (private, 0600).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace the --out file if it exists.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """A one-screen brief for the next session: since last time, themes, questions."""
    from reflect.render import brief_markdown

    with _practice() as practice:
        c = practice.client(client)
        brief = practice.prep(c, on_text=_stream_sink(not as_json))
        reid = practice.pseudonym_map(c).reidentify
    if sys.stderr.isatty() and not as_json:
        sys.stderr.write("\n\n")
    markdown = brief_markdown(brief, reid)
    if out is not None:
        from reflect.core.privatefile import write_private

        write_private(out, markdown.encode("utf-8"), force=force)
    if as_json:
        _print_json({
            "client": c.id,
            "last_session": {"note_id": brief.last_note.id, "date": brief.last_note.date.isoformat()} if brief.last_note else None,
            "summary": brief.summary,
            "themes": [_theme_json(t) for t in brief.themes],
            "questions": [_question_json(q, reid) for q in brief.questions],
            "commitments": [_commitment_json(c, reid) for c in brief.commitments],
            "model_status": brief.model_status,
        })
        return
    from rich.markdown import Markdown

    _console().print(Markdown(markdown))


def _commitment_json(c, reid) -> dict:
    return {
        "id": c.id, "note_id": c.note_id, "date": c.date, "text": c.text, "display": reid(c.text),
        "status": c.status, "source": c.source,
        "evidence": [{"note_id": n, "date": d, "text": t} for n, d, t in c.evidence],
    }


commitment_app = typer.Typer(help="Commitments a client made, and whether they happened.", no_args_is_help=True)
app.add_typer(commitment_app, name="commitment")


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
    with _practice(read_only=True) as practice:
        c = practice.client(client)
        items = [x for x in practice.commitments(c) if status is None or x.status == status]
        reid = practice.pseudonym_map(c).reidentify
    if as_json:
        _print_json({"commitments": [_commitment_json(x, reid) for x in items]})
        return
    if not items:
        typer.echo(f"no {status + ' ' if status else ''}commitments found in {c.name}'s notes")
        return
    from rich.table import Table

    table = Table("id", "agreed", "commitment", "status", "evidence")
    for x in items:
        ev = "; ".join(f"note {n}: {reid(t)[:60]}…" for n, _d, t in x.evidence[:1])
        table.add_row(str(x.id), x.date, Text(reid(x.text)), x.status + (" (you)" if x.source == "coach" else ""), Text(ev))
    _console().print(table)


def _set_commitment(client: str, commitment_id: int, status: str | None) -> None:
    with _practice() as practice:
        c = practice.client(client)
        practice.set_commitment(c, commitment_id, status)
    typer.echo(f"commitment {commitment_id}: {status or 'inferred from the notes again'}")


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
    with _practice() as practice:
        c = practice.client(client)
        result = practice.followup(c, note, on_text=_stream_sink(not as_json))
        reid = practice.pseudonym_map(c).reidentify
    if as_json:
        _print_json({
            "note_id": result.note.id, "date": result.note.date.isoformat(),
            "questions": [_question_json(q, reid) for q in result.questions],
            "recap": result.recap, "recap_display": reid(result.recap), "model_status": result.status,
        })
        return
    from reflect.render import question_list

    sys.stderr.write("\n") if sys.stderr.isatty() else None
    console = _console()
    console.print(Text(f"Follow-up for {c.name}, session of {result.note.date.isoformat()}\n", style="bold"))
    console.print(question_list(result.questions, reid, result.status))
    console.print(_text_assemble("\n", ("Recap draft", "bold"), "\n", reid(result.recap)))


@app.command("audit")
@_run
def audit(
    client: Annotated[Optional[str], typer.Argument(help="Only this client's prompts.", show_default=False)] = None,
    as_json: JsonOpt = False,
) -> None:
    """The exact (redacted) prompts the model received."""
    with _practice(read_only=True) as practice:
        c = practice.client(client) if client else None
        rows = practice.audit(c)
    if as_json:
        _print_json({"prompts": rows})
        return
    if not rows:
        typer.echo("the model has not been asked anything yet")
    for row in rows:
        stale = row["names_redacted_since"]
        mark = f" · holds {stale} name(s) put on the roster after it was sent" if stale else ""
        typer.echo(f"── {row['at']} · client {row['client']} · {row['purpose']}{mark} ──\n{row['prompt']}\n")


@app.command("forget")
@_run
def forget(
    client: ClientArg,
    yes: Annotated[bool, typer.Option("--yes", help="Confirm: erase this client and everything derived from their notes.")] = False,
) -> None:
    """Erase a client completely: notes, roster, pseudonym map, prompts and index."""
    with _practice() as practice:
        c = practice.client(client)
        if not yes:
            raise InputError(f"forgetting {c.name} erases all their notes and cannot be undone; add --yes to confirm")
        practice.forget(c)
    typer.echo(f"forgot {c.name}: notes, roster, pseudonym map, prompts and index erased")


@app.command("reindex")
@_run
def reindex(client: Annotated[Optional[str], typer.Argument(help="Only this client.", show_default=False)] = None) -> None:
    """Rebuild the search index from the store (the source of truth)."""
    with _practice() as practice:
        c = practice.client(client) if client else None
        reports = practice.reindex(c)
    changed = sum(r.notes_changed for r in reports.values())
    names = sum(r.names_caught for r in reports.values())
    typer.echo(f"reindexed {len(reports)} client(s): re-redacted {changed} note(s) with the current roster "
               f"({names} name(s) newly caught); {sum(r.passages_reembedded for r in reports.values())} passages embedded")


@app.command("doctor")
@_run
def doctor(as_json: JsonOpt = False) -> None:
    """Check models, store, index and offline posture. Exit code 1 if a check fails."""
    with _practice() as practice:
        checks = practice.doctor()
    failed = [ch for ch in checks if ch.ok is False]
    if as_json:
        _print_json({"ok": not failed, "checks": [{"name": ch.name, "ok": ch.ok, "detail": ch.detail} for ch in checks]})
    else:
        for ch in checks:
            mark = {True: "[green]ok  [/green]", False: "[red]FAIL[/red]", None: "[yellow]warn[/yellow]"}[ch.ok]
            _console().print(_markup(mark), Text(f"{ch.name}: {ch.detail}"))
    if failed:
        raise typer.Exit(1)


# keys and backups -------------------------------------------------------------------------------
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
    from reflect.core.crypto import KdfParams

    root = _root()
    if forget_keyring:
        removed = keychain.forget(root)
        typer.echo(f"passphrase {'removed from' if removed else 'was not in'} the OS keyring for {root}")
        return
    if keyring and not keychain.available():
        from reflect.core.errors import PassphraseError

        raise PassphraseError(keychain.NO_KEYRING)
    kdf = KdfParams(memory_kib=kdf_memory * 1024)
    asked = _passphrase_prompt(root)
    given: list[str] = []

    def source(new: bool) -> str:
        given.append(asked(new))
        return given[-1]

    with _practice(passphrase=source, kdf=kdf) as practice:
        info = practice.store.key_info()
        params = KdfParams.from_json(info["params"])
        clients = len(practice.store.client_ids())
        created = practice.keys_created
        if keyring:
            keychain.remember(root, given[-1])  # only once the passphrase has opened the practice
    what = "is now encrypted" if created else "was already encrypted; the passphrase opens it"
    typer.echo(
        f"practice at {root} {what}: AES-256-GCM with a key per client, Argon2id {params.memory_kib // 1024} MiB "
        f"({clients} clients). Keep the passphrase safe: it cannot be recovered."
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

    root = _root()
    _require_practice(root)
    with _practice() as practice:
        new = os.environ.get("REFLECT_NEW_PASSPHRASE")
        if not new:
            if not (sys.stdin.isatty() and sys.stderr.isatty()):
                raise PassphraseError("set REFLECT_NEW_PASSPHRASE, or run in a terminal to be asked for the new passphrase")
            new = typer.prompt("New passphrase", hide_input=True, confirmation_prompt=True, err=True)
        count = practice.change_passphrase(new)
    from reflect import keychain

    if keychain.recall(root) is not None:
        keychain.remember(root, new)
    typer.echo(f"passphrase changed for {root}: {count} keys re-wrapped, no note re-encrypted")


@app.command("backup")
@_run
def backup(
    path: Annotated[Path, typer.Argument(help="The backup file to write (must not exist yet, unless --force).")],
    force: Annotated[bool, typer.Option("--force", help="Replace the file if it exists.")] = False,
) -> None:
    """Write an encrypted backup of the whole practice (age format, same passphrase)."""
    from reflect.core import backup as backups
    from reflect.settings import resolve_passphrase

    root = _root()
    _require_practice(root)
    secret = resolve_passphrase(state.passphrase or _passphrase_prompt(root), new=False)
    with _practice(passphrase=secret) as practice:
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

    root = _root()
    secret = resolve_passphrase(_passphrase_prompt(root, "Backup passphrase"), new=False)
    info = backups.restore(root, path, secret, replace=replace)
    typer.echo(f"restored {info.clients} clients and {info.notes} notes (backup of {info.created}) into {root}")


def _require_practice(root: Path) -> None:
    from reflect.core.errors import NotFoundError
    from reflect.paths import DataPaths

    if not DataPaths(root.expanduser()).db.is_file():
        raise NotFoundError(f"there is no practice at {root} yet; 'reflect init' creates one")


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

    demo_dir = DataPaths(_root()).demo
    reset_demo_dir(demo_dir)
    state.passphrase = DEMO_PASSPHRASE
    with _practice(demo_dir) as practice:
        names = load_demo(practice)
    if not as_json:
        typer.echo(
            f"demo practice with {len(names)} fictional clients ({', '.join(names)}) loaded into {demo_dir} "
            f"(encrypted with the published demo passphrase {DEMO_PASSPHRASE!r})",
            err=True,
        )
    if tui:
        state.data_dir = demo_dir
        _open_tui(demo=True)
        return
    state.data_dir = demo_dir
    prep(client, out=None, force=False, as_json=as_json)


def main() -> None:
    """Entry point of the ``reflect`` command.

    An unexpected exception is reported as one line naming its type: its message or traceback could
    quote a note. ``REFLECT_DEBUG=1`` shows the traceback (on your own screen only).
    """
    hardening.apply()
    try:
        code = app(standalone_mode=False)
    except typer.Abort:
        sys.stderr.write("reflect: interrupted; nothing partial was stored\n")
        sys.exit(130)
    except typer.TyperException as exc:  # usage errors: one line, like every other error
        if type(exc).__name__ == "NoArgsIsHelpError" and getattr(exc, "ctx", None) is not None:
            typer.echo(exc.ctx.get_help(), err=True)
            sys.exit(2)
        command = exc.ctx.command_path if getattr(exc, "ctx", None) is not None else "reflect"
        sys.stderr.write(f"reflect: error: {exc.format_message()} (see '{command} -h')\n")
        sys.exit(getattr(exc, "exit_code", 2))
    except Exception as exc:  # noqa: BLE001 - the last line of defence for privacy
        import os

        if os.environ.get("REFLECT_DEBUG") == "1":
            raise
        sys.stderr.write(
            f"reflect: error: unexpected {type(exc).__name__}; nothing partial was stored. "
            "Run again with REFLECT_DEBUG=1 to see details.\n"
        )
        sys.exit(70)
    sys.exit(code if isinstance(code, int) else 0)
