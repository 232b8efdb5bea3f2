"""Remembering a practice's passphrase in the operating system's keyring (opt-in).

``reflect init --keyring`` puts the passphrase in the OS keyring (macOS Keychain, Windows Credential
Locker, the Secret Service on a Linux desktop) through the ``keyring`` library, installed with
``pip install 'reflect[keyring]'``; commands then unlock without asking. The entry is keyed by the
data directory's path, so it is held by the OS, never beside the data. ``--forget-keyring`` removes
it. On a machine without a keyring (a headless Linux box) this is unavailable and reflect says so.

A front-end helper: the headless core never reads the passphrase from the keyring; it receives it.
The one exception is ``server_token``: the bearer token of a practice's model or index server, which a
coach may keep in the keyring (``keyring set reflect model-server-token``) rather than the environment;
``reflect.core.credentials`` asks for it when a server is first used.
"""

from __future__ import annotations

from pathlib import Path

from reflect.core.errors import PassphraseError

SERVICE = "reflect"
NO_KEYRING = "no OS keyring is available here (install reflect[keyring] on a desktop with a keyring)"


def _keyring():
    try:
        import keyring
        from keyring.backends import fail
    except ImportError:
        return None
    if isinstance(keyring.get_keyring(), fail.Keyring):
        return None  # keyring is installed but this machine has no keyring to hold anything
    return keyring


def available() -> bool:
    return _keyring() is not None


def _account(root: Path) -> str:
    return str(root.expanduser().resolve())


def recall(root: Path) -> str | None:
    """The remembered passphrase of the practice at ``root``, if any (never raises)."""
    backend = _keyring()
    if backend is None:
        return None
    try:
        return backend.get_password(SERVICE, _account(root))
    except Exception:  # noqa: BLE001 - a locked or broken keyring means "ask instead"
        return None


def remember(root: Path, passphrase: str) -> None:
    backend = _keyring()
    if backend is None:
        raise PassphraseError(NO_KEYRING)
    try:
        backend.set_password(SERVICE, _account(root), passphrase)
    except Exception as exc:  # noqa: BLE001 - the keyring's own errors, reported as one line
        raise PassphraseError(f"the OS keyring refused the passphrase ({type(exc).__name__})") from None


def forget(root: Path) -> bool:
    """Remove the remembered passphrase; True when there was one."""
    backend = _keyring()
    if backend is None or recall(root) is None:
        return False
    try:
        backend.delete_password(SERVICE, _account(root))
    except Exception:  # noqa: BLE001
        return False
    return True


def server_token(account: str) -> str | None:
    """A server token kept in the keyring under service ``reflect`` (never raises; None when absent)."""
    backend = _keyring()
    if backend is None:
        return None
    try:
        return backend.get_password(SERVICE, account) or None
    except Exception:  # noqa: BLE001 - a locked or broken keyring means "no token"
        return None
