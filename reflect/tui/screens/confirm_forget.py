"""Confirm before a client is forgotten: erasure cannot be undone. Returns True to erase."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label


class ConfirmForgetScreen(ModalScreen[bool]):
    BINDINGS = [Binding("escape", "dismiss(False)", "Keep", id="cancel_dialog")]

    def __init__(self, name: str) -> None:
        super().__init__()
        self.client_name = name

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Text(f"Forget {self.client_name}?"), classes="heading", id="forget-name")
            yield Label(
                Text(f"Every note of {self.client_name}, their roster, pseudonym map, recorded prompts and index are "
                     "erased. This cannot be undone."),
                id="forget-warning",
            )
            with Horizontal(classes="buttons"):
                yield Button("Keep", id="keep")
                yield Button("Erase everything", variant="error", id="erase")

    def on_mount(self) -> None:
        self.query_one("#keep", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "erase")
