"""Typed access to the running ``ReflectApp`` from its panes and screens.

Textual types ``widget.app`` as ``App[Any]``, which has no ``practice``; every pane and screen reaches the
app (and the practice it runs on) through these two functions instead, so the type checker knows both.
The app module is imported for type checking only: it imports the screens, which import this module."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from textual.dom import DOMNode

    from reflect.core.practice import Practice
    from reflect.tui.app import ReflectApp


def reflect_app(node: DOMNode) -> ReflectApp:
    """The app ``node`` runs in (always a ``ReflectApp``: no other app mounts reflect's widgets)."""
    return cast("ReflectApp", node.app)


def practice_of(node: DOMNode) -> Practice:
    """The practice the app of ``node`` was opened on."""
    return reflect_app(node).practice
