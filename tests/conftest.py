"""Shared fixtures. Every test gets its own data directory (REFLECT_HOME -> tmp_path) and a fresh
HOME, so no test reads or writes the developer's real data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from reflect.core import hardening

hardening.apply()


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data = tmp_path / "data"
    monkeypatch.setenv("REFLECT_HOME", str(data))
    monkeypatch.delenv("REFLECT_MODEL", raising=False)
    monkeypatch.delenv("REFLECT_SPACY_MODEL", raising=False)
    return data


@pytest.fixture
def fake_practice(tmp_path: Path):
    """A practice on fakes: pattern detector, hashed-word embedder, in-memory index, replaying LLM."""
    from reflect.core.embedding import HashEmbedder
    from reflect.core.index import MemoryIndex
    from reflect.core.llm import FakeLLM
    from reflect.core.practice import Practice
    from reflect.core.redaction.fake import FakeDetector

    indexes: dict[str, MemoryIndex] = {}

    def index_factory(path: Path) -> MemoryIndex:
        return indexes.setdefault(str(path), MemoryIndex())

    practice = Practice.open(
        tmp_path / "practice", detector=FakeDetector(), embedder=HashEmbedder(), llm=FakeLLM(), index_factory=index_factory
    )
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
