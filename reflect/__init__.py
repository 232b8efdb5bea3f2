"""reflect: a private, on-device session-reflection assistant for coaches.

The package root stays light: importing ``reflect`` loads no model library (spaCy, onnxruntime,
Chroma, llama.cpp), so ``reflect --help`` is fast. The headless core lives in ``reflect.core``;
the front ends are ``reflect.cli`` (Typer) and ``reflect.tui`` (Textual).
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
