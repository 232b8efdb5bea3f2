"""Shared fixtures. Every test gets its own data directory (REFLECT_HOME -> tmp_path) and a fresh
HOME, so no test reads or writes the developer's real data."""

from __future__ import annotations

from pathlib import Path

import pytest

from reflect.core import hardening
from reflect.core.phrases import SimplePhrases

hardening.apply()

TEST_PASSPHRASE = "correct horse battery staple"


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data = tmp_path / "data"
    monkeypatch.setenv("REFLECT_HOME", str(data))
    monkeypatch.delenv("REFLECT_MODEL", raising=False)
    monkeypatch.delenv("REFLECT_SPACY_MODEL", raising=False)
    # Embedded mode unless a test sets a server itself.
    for name in ("REFLECT_MODEL_URL", "REFLECT_MODEL_NAME", "REFLECT_INDEX_URL", "REFLECT_MODEL_TOKEN", "REFLECT_INDEX_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    # Every practice a test creates is encrypted; the passphrase comes from the environment, as in scripts.
    monkeypatch.setenv("REFLECT_PASSPHRASE", TEST_PASSPHRASE)
    return data


# Unit tests on fakes derive keys with a cheap Argon2id setting; every CLI, integration and system
# test goes through the real default (64 MiB, 3 passes).
from reflect.core.crypto import KdfParams  # noqa: E402

FAST_KDF = KdfParams(memory_kib=64, iterations=1, lanes=1)


@pytest.fixture
def fake_practice(tmp_path: Path):
    """A practice on fakes: pattern detector, hashed-word embedder, in-memory index, replaying LLM."""
    from reflect.core.components import Components
    from reflect.core.embedding import HashEmbedder
    from reflect.core.index import MemoryIndex
    from reflect.core.llm import FakeLLM
    from reflect.core.opener import open_practice
    from reflect.core.redaction.fake import FakeDetector

    indexes: dict[str, MemoryIndex] = {}

    def index_factory(path: Path) -> MemoryIndex:
        return indexes.setdefault(str(path), MemoryIndex())

    practice = open_practice(tmp_path / "practice", kdf=FAST_KDF, components=Components(
        phrases=SimplePhrases(), detector=FakeDetector(), embedder=HashEmbedder(), llm=FakeLLM(), index_factory=index_factory))
    practice.indexes_by_path = indexes  # for assertions
    yield practice
    practice.close()




@pytest.fixture(scope="session")
def real_detector():
    from reflect.core.redaction.presidio import PresidioDetector

    return PresidioDetector()


@pytest.fixture(scope="session")
def real_embedder():
    from reflect.core.embedding import MiniLMEmbedder

    return MiniLMEmbedder()
