"""Offline hardening: environment settings that stop the "local" stack from reaching the network.

Owns the one list of variables that must be set before onnxruntime, tldextract (Presidio), Chroma,
Hugging Face helpers or llama.cpp initialise. ``apply()`` is called by every entry point before any of
those libraries is imported; ``report()`` tells ``reflect doctor`` what is in effect. See
../shared/docs/facts.md for why each one is here.
"""

from __future__ import annotations

import os

#: Variable -> (value, why). Values are forced, not defaulted: a user environment cannot re-enable them.
HARDENING: dict[str, tuple[str, str]] = {
    "ORT_DISABLE_TELEMETRY": ("1", "onnxruntime telemetry thread resolves an upload host ~9 s after start"),
    "TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS": ("", "Presidio's e-mail/URL recognizers would fetch the suffix list"),
    "ANONYMIZED_TELEMETRY": ("False", "Chroma product telemetry (belt and braces; also off in Settings)"),
    "HF_HUB_OFFLINE": ("1", "any Hugging Face helper must not reach the hub"),
    "TRANSFORMERS_OFFLINE": ("1", "same, for transformers if a user installs it"),
    "HF_HUB_DISABLE_TELEMETRY": ("1", "same"),
    "DO_NOT_TRACK": ("1", "generic opt-out honoured by several libraries"),
    "TOKENIZERS_PARALLELISM": ("false", "no fork-after-threads warnings from tokenizers"),
}


def apply(cache_dir: str | None = None) -> None:
    """Force the hardening variables into this process's environment.

    ``cache_dir`` (inside the data directory) receives the caches that libraries insist on writing
    (tldextract), so nothing is written to ``~/.cache``.
    """
    for name, (value, _why) in HARDENING.items():
        os.environ[name] = value
    if cache_dir:
        os.environ["TLDEXTRACT_CACHE"] = os.path.join(cache_dir, "tldextract")


def report() -> list[tuple[str, str, bool]]:
    """(variable, why, in effect) for each hardening variable, for ``reflect doctor``."""
    return [(name, why, os.environ.get(name) == value) for name, (value, why) in HARDENING.items()]
