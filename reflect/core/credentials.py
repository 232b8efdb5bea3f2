"""Bearer tokens for the practice's servers: from the environment, else the OS keyring; never config.

``REFLECT_MODEL_TOKEN`` / ``REFLECT_INDEX_TOKEN``, else the keyring entry ``reflect`` /
``model-server-token`` or ``index-server-token`` (``keyring set reflect model-server-token``, with
reflect's optional keyring extra). ``reflect.settings`` refuses a config.toml that holds a token. A token
is sent only over the connection to the server it belongs to, and never logged.
"""

from __future__ import annotations

import os
from typing import Literal

ServerKind = Literal["model", "index"]

ENV_TOKEN: dict[ServerKind, str] = {"model": "REFLECT_MODEL_TOKEN", "index": "REFLECT_INDEX_TOKEN"}
KEYRING_ACCOUNT: dict[ServerKind, str] = {"model": "model-server-token", "index": "index-server-token"}


def bearer_token(kind: ServerKind) -> str | None:
    """The token for the model or index server, or None when the server needs none."""
    value = os.environ.get(ENV_TOKEN[kind], "").strip()
    if value:
        return value
    from reflect import keychain

    return keychain.server_token(KEYRING_ACCOUNT[kind])


def token_source(kind: ServerKind) -> str:
    """Where the token came from, for ``reflect doctor`` (never the token itself)."""
    if os.environ.get(ENV_TOKEN[kind], "").strip():
        return ENV_TOKEN[kind]
    from reflect import keychain

    return "the OS keyring" if keychain.server_token(KEYRING_ACCOUNT[kind]) else "none"
