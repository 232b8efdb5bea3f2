"""Every path reflect reads or writes, in one place.

The data directory holds everything derived from a coach's notes, so that erasing a client or a whole
practice, backing it up, or pointing a test at ``tmp_path`` is a matter of one directory:

    <data dir>/
        config.toml          settings (optional; see reflect.settings)
        reflect.db           the SQLite source of truth (clients, roster, notes, maps, prompts; every
                             identifying field sealed with the client's key, see reflect.core.crypto)
        reflect.lock         the single-writer lock
        index/<client id>/   one Chroma persist directory per client: vectors and positions, no text
                             (derived, rebuildable)
        cache/               caches libraries insist on writing (kept out of ~/.cache)
        prompts/             the coach's own prompt files, overriding the shipped ones
        demo/                the fictional demo practice (``reflect demo``)

The data directory is ``--data-dir``, else ``REFLECT_HOME``, else the platform's user data dir.
This module imports nothing heavy.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

APP_NAME = "reflect"
ENV_HOME = "REFLECT_HOME"

_PACKAGE_DIR = Path(__file__).resolve().parent


def default_data_dir() -> Path:
    """``REFLECT_HOME`` if set, else the platform's per-user data directory."""
    env = os.environ.get(ENV_HOME)
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


@dataclass(frozen=True)
class DataPaths:
    """The layout of one data directory (a practice)."""

    root: Path

    @property
    def db(self) -> Path:
        return self.root / "reflect.db"

    @property
    def lock(self) -> Path:
        return self.root / "reflect.lock"

    @property
    def config(self) -> Path:
        return self.root / "config.toml"

    @property
    def index_root(self) -> Path:
        return self.root / "index"

    def client_index(self, client_id: str) -> Path:
        """The Chroma persist directory of one client (opaque id, never a name)."""
        return self.index_root / client_id

    @property
    def cache(self) -> Path:
        return self.root / "cache"

    @property
    def user_prompts(self) -> Path:
        return self.root / "prompts"

    @property
    def demo(self) -> Path:
        return self.root / "demo"

    def ensure(self) -> None:
        """Create the directory tree, private to the user (0700)."""
        for directory in (self.root, self.index_root, self.cache):
            directory.mkdir(parents=True, exist_ok=True)
            os.chmod(directory, 0o700)


def asset_dir(name: str) -> Path:
    """A shipped asset folder (``prompts`` or ``models``): inside the wheel, or at the repo top in a checkout."""
    installed = _PACKAGE_DIR / "_assets" / name
    if installed.is_dir():
        return installed
    return _PACKAGE_DIR.parent / name


def manifest_path() -> Path:
    return asset_dir("models") / "manifest.toml"
