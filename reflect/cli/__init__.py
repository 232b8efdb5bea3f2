"""The Typer command line: thin commands that parse options, call ``reflect.core``, and print.

Owns the public CLI contract (README): command names, options, exit codes and JSON shapes
(``reflect.cli.shapes``). Errors a coach can fix are one line on stderr and a non-zero exit (converted
in one place, ``_base._run``). Heavy modules are imported inside commands, so ``reflect --help`` stays
fast and loads no model library. The commands live in ``roster``, ``notes``, ``insight``, ``goals`` and ``upkeep``.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Optional

import typer

from reflect import __version__
from reflect.cli import goals, insight, notes, roster, upkeep  # noqa: F401 - each registers its commands
from reflect.cli._base import Options, _passphrase_prompt, _run, app, begin, root
from reflect.core import hardening

__all__ = ["Options", "app", "main"]


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
    model_url: Annotated[
        Optional[str],
        typer.Option("--model-url", envvar="REFLECT_MODEL_URL", help="An OpenAI-compatible model server on your own network (Ollama, llama-server, vLLM...) instead of the local model."),
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log ids, counts and timings to stderr (never note text).")] = False,
    version: Annotated[Optional[bool], typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")] = None,
) -> None:
    given = ctx.obj if isinstance(ctx.obj, Options) else Options()
    ctx.obj = replace(given, data_dir=data_dir or given.data_dir, model=model or given.model, model_url=model_url or given.model_url)
    begin(ctx, ctx.obj)
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="reflect: %(levelname)s %(name)s: %(message)s")
    # Only reflect speaks on stderr: Presidio logs every recognizer it loads at INFO and warns about
    # NER labels it does not map; those stay out of a coach's terminal (--verbose shows warnings).
    logging.getLogger("presidio-analyzer").setLevel(logging.WARNING if verbose else logging.ERROR)
    if ctx.invoked_subcommand is None:
        _run(open_tui)(ctx.obj, demo=False)


def open_tui(opts: Options, demo: bool) -> None:
    from reflect.tui.app import run_app

    where = root(opts)
    run_app(data_dir=where, demo=demo, model=opts.model, passphrase=opts.passphrase or _passphrase_prompt(where), components=opts.components,
            model_url=opts.model_url)


def main() -> None:
    """Entry point of the ``reflect`` command.

    An unexpected exception is reported as one line naming its type: its message or traceback could
    quote a note. ``REFLECT_DEBUG=1`` shows the traceback (on your own screen only).
    """
    hardening.apply()
    try:
        code = app(standalone_mode=False)
    except typer.Abort:
        sys.stderr.write("reflect: interrupted; a change is stored whole or not at all ('reflect note list' shows what is there)\n")
        sys.exit(130)
    except typer.TyperException as exc:  # usage errors: one line, like every other error
        ctx = getattr(exc, "ctx", None)
        if type(exc).__name__ == "NoArgsIsHelpError" and ctx is not None:
            typer.echo(ctx.get_help(), err=True)
            sys.exit(2)
        command = ctx.command_path if ctx is not None else "reflect"
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
