"""Server tokens come from the environment, else the OS keyring; doctor learns only where from."""

from __future__ import annotations

import pytest

from reflect import keychain
from reflect.core.credentials import bearer_token, token_source


def test_environment_first_then_keyring_then_none(monkeypatch: pytest.MonkeyPatch) -> None:
    kept = {"model-server-token": "from-keyring"}
    monkeypatch.setattr(keychain, "server_token", lambda account: kept.get(account))
    monkeypatch.setenv("REFLECT_MODEL_TOKEN", "from-env")
    assert bearer_token("model") == "from-env" and token_source("model") == "REFLECT_MODEL_TOKEN"
    monkeypatch.setenv("REFLECT_MODEL_TOKEN", "  ")
    assert bearer_token("model") == "from-keyring" and token_source("model") == "the OS keyring"
    assert bearer_token("index") is None and token_source("index") == "none"


def test_no_keyring_installed_or_available_means_no_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keychain, "_keyring", lambda: None)
    assert keychain.server_token("model-server-token") is None
    assert bearer_token("model") is None
