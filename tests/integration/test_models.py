"""Model files are verified by checksum when loaded; an altered or missing file is one clear error."""

from __future__ import annotations

from pathlib import Path

import pytest

from reflect.core import models
from reflect.core.errors import ModelError
from reflect.core.llm import LlamaCppModel


def test_every_default_model_is_installed_and_matches_its_pin() -> None:
    for key in models.manifest():
        assert models.verified(key).exists()


def test_altered_file_is_refused_with_its_name(tmp_path: Path) -> None:
    fake = tmp_path / "model.gguf"
    fake.write_bytes(b"GGUF not really")
    with pytest.raises(ModelError, match=r"model\.gguf.*does not match its pinned sha256"):
        LlamaCppModel(fake, sha256="0" * 64, n_ctx=512, n_threads=1, seed=0)


def test_missing_model_file_names_the_fix(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="does not exist"):
        LlamaCppModel(tmp_path / "nope.gguf", sha256=None, n_ctx=512, n_threads=1, seed=0)


def test_unpinned_manifest_entry_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    asset = models.manifest()["tokenizer"]
    monkeypatch.setitem(models.manifest(), "tokenizer", models.ModelAsset(**{**asset.__dict__, "sha256": "f" * 64}))
    with pytest.raises(ModelError, match="tokenizer.json does not match"):
        models.verified("tokenizer")


def test_a_gguf_that_is_not_a_model_is_one_clear_error(tmp_path: Path) -> None:
    junk = tmp_path / "junk.gguf"
    junk.write_bytes(b"\x00" * 1024)
    with pytest.raises(ModelError, match="could not be loaded"):
        LlamaCppModel(junk, sha256=None, n_ctx=512, n_threads=1, seed=0)


def test_real_model_generates_schema_valid_json_deterministically() -> None:
    import json

    from reflect.core.questions import schema

    model = LlamaCppModel(models.locate("chat"), sha256=models.manifest()["chat"].sha256, n_ctx=2048, n_threads=2, seed=7)
    assert model.chat_format != "llama-2"  # the GGUF's own template, not the silent fallback
    messages = [{"role": "user", "content": "Notes: [1] She wants to delegate code review.\nWrite 2 open questions with passage numbers."}]
    # A generous wall-clock limit: on a loaded 2-core machine a 60 s limit cut the first run short
    # (stop "timeout"), which is the limit working, not non-determinism.
    first = model.generate(messages, schema(1, 2), max_tokens=200, timeout_s=600)
    second = model.generate(messages, schema(1, 2), max_tokens=200, timeout_s=600)
    assert first.stop != "timeout" and second.stop != "timeout"
    assert first.text == second.text
    if first.stop == "stop":
        data = json.loads(first.text)
        assert 1 <= len(data["questions"]) <= 2
