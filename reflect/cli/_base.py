"""What every command shares: the Typer apps, the options of one invocation, opening the practice
(through ``reflect.core.opener``, the one way in), converting errors to one line and an exit code, and
the terminal helpers. No command state lives in a mutable global: the options of the running command
(``Options``) are set for the length of one invocation (a context variable the root callback sets and
resets); tests pass theirs, fakes for the engines included, as the invocation's ``obj``.
"""

from __future__ import annotations

import functools
import json
import logging
import sys
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from reflect.core.errors import InputError, ReflectError

if TYPE_CHECKING:
    from reflect.core.components import Components
    from reflect.core.practice import Practice

app = typer.Typer(
    name="reflect",
    help="A private, on-device session-reflection assistant for coaches. Nothing leaves this machine unless you configure your own servers, and then only redacted text and vectors.",
    context_settings={"help_option_names": ["-h", "--help"]},
    no_args_is_help=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)
client_app = typer.Typer(help="Manage clients.", no_args_is_help=True)
person_app = typer.Typer(help="Manage the people around a client (the roster).", no_args_is_help=True)
note_app = typer.Typer(help="Add and read session notes.", no_args_is_help=True)
commitment_app = typer.Typer(help="Commitments a client made, and whether they happened.", no_args_is_help=True)
goal_app = typer.Typer(help="The engagement's goals: why the client came ('reflect progress' shows how the sessions move them).", no_args_is_help=True)
app.add_typer(client_app, name="client")
app.add_typer(person_app, name="person")
app.add_typer(note_app, name="note")
app.add_typer(commitment_app, name="commitment")
app.add_typer(goal_app, name="goal")

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
        cls.display_type_rich = display_type_rich  # type: ignore[method-assign]  # the hook, see the docstring


_plain_flags()


@dataclass(frozen=True)
class Options:
    """The options of one invocation (from the command line and the environment)."""

    data_dir: Path | None = None
    model: str | None = None
    model_url: str | None = None
    """An OpenAI-compatible model server (``--model-url`` / ``REFLECT_MODEL_URL``) instead of the local model."""
    passphrase: str | None = None
    """Set only for the demo practice, whose fictional data is sealed with a published passphrase."""
    components: Components | None = None
    """Engines to use instead of the real ones (tests pass fakes here: ``CliRunner.invoke(..., obj=Options(...))``)."""


_created: ContextVar[Path | None] = ContextVar("reflect_cli_created", default=None)
"""The data directory a practice was created in by the running command, announced when it succeeds."""
_current: ContextVar[Options] = ContextVar("reflect_cli_options", default=Options())  # noqa: B039 - Options is frozen


def options() -> Options:
    """The running command's options (defaults outside a command)."""
    return _current.get()


def begin(ctx: typer.Context, opts: Options) -> None:
    """Make ``opts`` the options of the command ``ctx`` runs, until it closes."""
    token = _current.set(opts)
    ctx.call_on_close(lambda: _current.reset(token))


JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON (see the README for the shapes).")]
ClientArg = Annotated[str, typer.Argument(help="The client: name, alias or a unique beginning of the name (any case or accents), or short id.",
                                          show_default=False, metavar="CLIENT")]

F = TypeVar("F", bound=Callable[..., Any])


def _run(fn: F) -> F:
    """Convert reflect's errors into one line on stderr and the error's exit code."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        token = _created.set(None)
        try:
            result = fn(*args, **kwargs)
            where = _created.get()
            if where is not None:  # said after the command worked: an error stays one line
                typer.echo(NEW_PRACTICE.format(where=where), err=True)
            return result
        except ReflectError as exc:
            typer.echo(f"reflect: error: {exc}", err=True)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            typer.echo("reflect: interrupted; a change is stored whole or not at all ('reflect note list' shows what is there)", err=True)
            raise typer.Exit(130) from None
        finally:
            _created.reset(token)

    return wrapper  # type: ignore[return-value]


def root(opts: Options | None = None) -> Path:
    from reflect.paths import default_data_dir

    return ((opts or options()).data_dir or default_data_dir()).expanduser()


def _passphrase_prompt(where: Path, label: str = "Passphrase") -> Callable[[bool], str]:
    """The passphrase source of the CLI: ``REFLECT_PASSPHRASE`` when set (nothing prompts), else a
    hidden prompt when there is a terminal to ask in, else nothing (the core then says what to set)."""
    import os

    from reflect.settings import ENV_PASSPHRASE

    def ask(new: bool) -> str:
        if os.environ.get(ENV_PASSPHRASE):
            return os.environ[ENV_PASSPHRASE]
        if not new and label == "Passphrase":
            from reflect import keychain

            remembered = keychain.recall(where)
            if remembered:
                return remembered
        if not (sys.stdin.isatty() and sys.stderr.isatty()):
            return ""
        if new:
            typer.echo(
                f"Setting up a new practice in {where}. Choose a passphrase (at least 8 characters): it encrypts "
                "everything that names a client or says what they said, and it cannot be recovered.",
                err=True,
            )
            return typer.prompt(f"New {label.lower()}", hide_input=True, confirmation_prompt=True, err=True)
        return typer.prompt(f"{label} for {where}", hide_input=True, err=True)

    return ask


def open_for(opts: Options | None = None, *, read_only: bool = False, passphrase: Any = None, kdf: Any = None, announce: bool = True,
             check_servers: bool = True) -> Practice:
    """Open and unlock the practice with settings from config, env and options. Writers take the
    single-writer lock; ``read_only`` commands take none and work while the app is open. The
    passphrase is ``passphrase`` if given, else the demo's, else ``REFLECT_PASSPHRASE`` or a prompt."""
    from reflect.core.opener import data_paths, open_practice
    from reflect.settings import Settings

    opts = opts or options()
    where = root(opts)
    settings = Settings.load(data_paths(where).config, model=opts.model, model_url=opts.model_url)
    source = passphrase or opts.passphrase or _passphrase_prompt(where)
    practice = open_practice(where, settings=settings, passphrase=source, mode="read" if read_only else "write", kdf=kdf, components=opts.components,
                             check_servers=check_servers)
    if announce and practice.keys_created and not opts.passphrase:
        _created.set(where)
    return practice


NEW_PRACTICE = (
    "reflect: a new practice was created at {where}, encrypted with your passphrase. Nothing can recover the "
    "notes without it: keep it somewhere safe (a password manager), and keep an encrypted copy with 'reflect backup FILE'."
)


def open_preview(opts: Options | None = None) -> Practice:
    """A practice with no store and no lock, for a redaction preview that needs only the gate."""
    from reflect.core.opener import data_paths, open_practice
    from reflect.settings import Settings

    opts = opts or options()
    where = root(opts)
    return open_practice(where, settings=Settings.load(data_paths(where).config, model=opts.model, model_url=opts.model_url), mode="preview", components=opts.components)


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


def _stream_sink(enabled: bool):
    """Show the model's output as it is generated (on stderr, only in a terminal)."""
    if not enabled or not sys.stderr.isatty():
        return None
    typer.echo("model is writing (what it sees and says is redacted):", err=True)

    def sink(piece: str) -> None:
        sys.stderr.write(piece)
        sys.stderr.flush()

    return sink


def _check_not_future(days: list[date], allow: bool) -> None:
    future = sorted(d for d in days if d > date.today())
    if future and not allow:
        raise InputError(f"the session date {future[0].isoformat()} is in the future; add --allow-future if that is right")


def _require_practice(where: Path) -> None:
    from reflect.core.errors import NotFoundError
    from reflect.paths import DataPaths

    if not DataPaths(where.expanduser()).db.is_file():
        raise NotFoundError(f"there is no practice at {where} yet; 'reflect init' creates one")
