"""The reflect terminal app: pick a client, read notes (original or exactly what the model sees),
see recurring themes, search, and prepare the next session with the local model.

The App owns the bindings (generated from ``reflect.tui.actions``, with an optional keymap), the command
palette, the help screen and error reporting; the workspace screen (``screens/workspace.py``) composes
the panes (``panes/``), each of which runs its slow calls in thread workers that post messages. Errors
are shown as notifications with the one-line message of ``ReflectError``; note text is never logged.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import App
from textual.binding import BindingType

from reflect.core.domain import Client
from reflect.tui import actions
from reflect.tui.messages import WorkFailed
from reflect.tui.screens.workspace import WorkspaceScreen

if TYPE_CHECKING:
    from reflect.core.practice import Practice

_FILE_WRITING_COMMANDS = {"Screenshot"}


class ReflectApp(App[None]):
    """reflect's workspace."""

    TITLE = "reflect"
    SUB_TITLE = "nothing leaves this machine"
    CSS_PATH = "app.tcss"
    BINDINGS: ClassVar[list[BindingType]] = actions.bindings()

    def __init__(self, practice: Practice, demo: bool = False, keymap: dict[str, str] | None = None):
        super().__init__()
        self.practice = practice
        self.demo = demo
        self.keymap = dict(keymap or {})
        actions.check_keymap(self.keymap)
        if self.keymap:
            self.set_keymap(self.keymap)

    @property
    def workspace(self) -> WorkspaceScreen:
        screen = self.screen_stack[0]  # the default screen, under any dialog
        if not isinstance(screen, WorkspaceScreen):
            raise RuntimeError(f"the app's base screen is {type(screen).__name__}, not the workspace")
        return screen

    @property
    def client(self) -> Client | None:
        return self.workspace.client

    @property
    def note_id(self) -> int | None:
        return self.workspace.notes.note_id

    def get_default_screen(self) -> WorkspaceScreen:
        return WorkspaceScreen()

    def on_mount(self) -> None:
        if self.demo:
            self.notify("Fictional demo practice", timeout=3)

    def _fatal_error(self) -> None:
        """An unhandled error ends the app. Textual would print a traceback *with local variables*,
        and in this app the locals hold note text and names; reflect prints the error's type only
        (``REFLECT_DEBUG=1`` restores Textual's full report, on your own screen)."""
        if os.environ.get("REFLECT_DEBUG") == "1":
            super()._fatal_error()
            return
        error = sys.exc_info()[1]
        self.bell()
        self._exit_renderables.append(
            f"reflect: error: unexpected {type(error).__name__ if error else 'error'} in the terminal app; "
            "nothing partial was stored. Run again with REFLECT_DEBUG=1 to see details."
        )
        self._close_messages_no_wait()

    def action_help(self) -> None:
        from reflect.tui.screens.help import HelpScreen

        self.push_screen(HelpScreen(self.keymap))

    def action_screenshot(self, filename: str | None = None, path: str | None = None) -> None:
        """Disabled: a screenshot would put client names and note text in a file outside the data directory."""
        self.notify("Screenshots are off in reflect: they would write client names to a file outside the practice")

    def deliver_screenshot(self, filename: str | None = None, path: str | None = None, time_format: str | None = None) -> str | None:
        self.action_screenshot()
        return None

    def get_system_commands(self, screen):
        from textual.app import SystemCommand

        # Textual's own "Screenshot" writes an SVG of the screen (client names, note text) to
        # ~/Downloads, readable by every user: no command of the app writes outside the data directory.
        yield from (command for command in super().get_system_commands(screen) if command.title not in _FILE_WRITING_COMMANDS)
        for title, help_text, action in actions.palette_commands(self.keymap):
            target = self if action.on_app else self.workspace
            yield SystemCommand(title, help_text, getattr(target, f"action_{action.name}"))

    @on(WorkFailed)  # every pane's failures, expected (ReflectError) or not (messages.ReportsWorkerErrors)
    def work_failed(self, message: WorkFailed) -> None:
        self.notify(message.message, severity="error", timeout=8, markup=False)


def app_for(practice: Practice, demo: bool = False, keymap: dict[str, str] | None = None) -> ReflectApp:
    """The app on an open practice, with ``keymap`` if one is given, else the ``[keymap]`` of the
    practice's settings (config.toml)."""
    return ReflectApp(practice, demo=demo, keymap=practice.settings.keymap if keymap is None else keymap)


def run_app(data_dir: Path | None = None, demo: bool = False, model: str | None = None, passphrase=None, components=None,
            keymap: dict[str, str] | None = None, model_url: str | None = None) -> None:
    """Unlock the practice (the passphrase is asked before the app starts) and run the app on it.
    ``keymap`` (action name → key) defaults to the ``[keymap]`` table of config.toml."""
    from reflect.core.opener import data_paths, open_practice
    from reflect.settings import Settings

    settings = Settings.load(data_paths(data_dir).config, model=model, model_url=model_url)
    # A keymap naming an unknown action is refused before the passphrase is asked or the practice locked.
    actions.check_keymap(settings.keymap if keymap is None else keymap)
    with open_practice(data_dir, settings=settings, passphrase=passphrase, components=components) as practice:
        app_for(practice, demo=demo, keymap=keymap).run()
