"""Opt-in OS keyring: `init --keyring` remembers the passphrase once it has opened the practice,
commands then unlock without REFLECT_PASSPHRASE, a passphrase change updates it, and
`--forget-keyring` removes it. The keyring itself is a fake module (this machine has none)."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest

from tests.cli.test_cli import MARIA, fails, fakes, ok  # noqa: F401 - fakes is an autouse fixture
from tests.conftest import TEST_PASSPHRASE


class _MemoryKeyring:
    def __init__(self) -> None:
        self.items: dict[tuple[str, str], str] = {}


@pytest.fixture
def fake_keyring(monkeypatch: pytest.MonkeyPatch) -> _MemoryKeyring:
    store = _MemoryKeyring()
    module = types.ModuleType("keyring")
    backends = types.ModuleType("keyring.backends")
    fail = types.ModuleType("keyring.backends.fail")

    class FailKeyring:
        pass

    fail.Keyring = FailKeyring
    backends.fail = fail
    module.backends = backends
    module.get_keyring = lambda: store
    module.get_password = lambda service, account: store.items.get((service, account))
    module.set_password = lambda service, account, value: store.items.__setitem__((service, account), value)
    module.delete_password = lambda service, account: store.items.pop((service, account))
    for name, mod in (("keyring", module), ("keyring.backends", backends), ("keyring.backends.fail", fail)):
        monkeypatch.setitem(sys.modules, name, mod)
    return store


def test_keyring_remembers_the_passphrase_and_can_forget_it(isolated_home: Path, fake_keyring, monkeypatch) -> None:
    assert "keyring now remembers" in ok("init", "--keyring").stdout
    assert list(fake_keyring.items.values()) == [TEST_PASSPHRASE]
    ok("client", "add", MARIA)
    monkeypatch.delenv("REFLECT_PASSPHRASE")
    assert MARIA in ok("client", "list").stdout  # unlocked from the keyring, nothing asked

    monkeypatch.setenv("REFLECT_PASSPHRASE", TEST_PASSPHRASE)
    monkeypatch.setenv("REFLECT_NEW_PASSPHRASE", "another long passphrase")
    ok("passphrase")
    assert list(fake_keyring.items.values()) == ["another long passphrase"]
    monkeypatch.delenv("REFLECT_PASSPHRASE")
    assert MARIA in ok("client", "list").stdout

    assert "removed from" in ok("init", "--forget-keyring").stdout
    assert fake_keyring.items == {}
    assert "REFLECT_PASSPHRASE" in fails("client", "list", code=7)


def test_a_wrong_passphrase_is_never_remembered(isolated_home: Path, fake_keyring, monkeypatch) -> None:
    ok("init")
    monkeypatch.setenv("REFLECT_PASSPHRASE", "not the right passphrase")
    assert "wrong passphrase" in fails("init", "--keyring", code=7)
    assert fake_keyring.items == {}


def test_without_a_keyring_the_option_is_one_clear_line(isolated_home: Path, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "keyring", None)  # not installed
    assert "no OS keyring" in fails("init", "--keyring", code=7)
    assert not (isolated_home / "reflect.db").exists()  # checked before anything is created
