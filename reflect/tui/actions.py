"""The one list of the app's actions: key, action name, footer label, description, footer visibility.

The App's ``BINDINGS``, the help screen's key table and the command palette's commands are all generated
from ``ACTIONS``, so a key is declared once. A ``keymap`` (action name → key, e.g. from config.toml)
overrides the default keys everywhere: bindings (through Textual's keymap, by binding id), help and palette.
Workspace actions run on the active screen (``screen.`` namespace), so they do nothing under a dialog.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding, BindingType

from reflect.core.errors import InputError

_KEY_NAMES = {"slash": "/", "question_mark": "?", "escape": "Esc", "enter": "Enter", "delete": "Del"}


@dataclass(frozen=True)
class Action:
    name: str
    """Action and binding id; ``action_<name>`` on the workspace screen (or the App for app actions)."""
    key: str
    """Default key, in Textual's key names ("slash", "question_mark")."""
    label: str
    """Short label shown in the footer."""
    description: str
    """One line for the help table and the command palette."""
    show: bool = True
    """Shown in the footer."""
    palette: str | None = None
    """Command palette title ("category: verb"); None keeps the action out of the palette."""
    on_app: bool = False
    """An App action (help, quit) rather than a workspace one."""


ACTIONS: tuple[Action, ...] = (
    # help and quit first: the footer lists bindings in order, so they stay visible at 80 columns
    Action("help", "question_mark", "Help", "keys and what reflect does", palette="help", on_app=True),
    Action("quit", "q", "Quit", "quit reflect", on_app=True),
    Action("add_client", "a", "Client", "add a client", palette="client: add"),
    Action("add_note", "n", "Note", "add a note (live redaction preview; ctrl+s saves)", palette="note: add with redaction preview"),
    Action("edit_note", "e", "Edit", "edit the selected note (text and date)", show=False, palette="note: edit"),
    Action("commitments", "c", "Commitments", "commitments: mark done, drop, reopen, add, reword", show=False, palette="commitments: show and edit"),
    Action("goals", "g", "Goals", "the engagement's goals and how the sessions move them: add, reword, mark achieved", show=False,
           palette="goals: progress and edit"),
    Action("roster", "o", "Roster", "roster: the people around the client, always redacted", show=False, palette="roster: edit"),
    Action("search", "slash", "Search", "search this client's notes (Enter on a result opens the note)", palette="search: notes"),
    Action("themes", "t", "Themes", "recurring themes over time", palette="themes: show"),
    Action("prep", "p", "Prep", "prepare the next session with the local model (Escape cancels)", palette="prep: next session"),
    Action("toggle_redacted", "r", "Redacted", "original / what the model sees", palette="note: toggle original / redacted"),
    Action("forget", "f", "Forget", "forget the selected client (asks first)", show=False, palette="client: forget"),
    Action("cancel", "escape", "Cancel", "cancel prep; leave the search box", show=False),
)

BY_NAME = {a.name: a for a in ACTIONS}


def check_keymap(keymap: dict[str, str]) -> None:
    """Refuse a keymap that names an action reflect does not have (one line for the coach, no traceback)."""
    unknown = set(keymap) - set(BY_NAME)
    if unknown:
        raise InputError(f"unknown action(s) in the keymap ([keymap] in config.toml): {', '.join(sorted(unknown))}; "
                         f"the actions are: {', '.join(BY_NAME)}")


def key_of(action: Action, keymap: dict[str, str] | None = None) -> str:
    return (keymap or {}).get(action.name, action.key)


def key_display(key: str) -> str:
    """A key as the coach reads it: "slash" → "/", "ctrl+s" stays."""
    return ", ".join(_KEY_NAMES.get(k, k) for k in key.split(","))


def bindings() -> list[BindingType]:
    """The App's BINDINGS (default keys; a keymap rebinds them by id at start-up)."""
    return [
        Binding(a.key, a.name if a.on_app else f"screen.{a.name}", a.label, show=a.show, id=a.name, tooltip=a.description)
        for a in ACTIONS
    ]


def help_rows(keymap: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """(key, what it does) for the help screen, with the keymap applied."""
    rows = [(key_display(key_of(a, keymap)), a.description) for a in ACTIONS]
    rows.insert(-1, ("ctrl+p", "command palette"))
    return rows


def palette_commands(keymap: dict[str, str] | None = None) -> list[tuple[str, str, Action]]:
    """(title, help, action) for the command palette, the key shown in the help text."""
    return [(a.palette, f"{a.description} [{key_display(key_of(a, keymap))}]", a) for a in ACTIONS if a.palette]
