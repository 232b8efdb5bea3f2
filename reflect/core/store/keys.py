"""The store's keys in memory: deriving the master key from the passphrase and checking it, unwrapping
the practice key and each client's data key (cached per store), creating a new client's key, and the
name every sealed value is bound to (``_f``: its field and, from schema v5, its row).

Every part of the store that seals or opens a value does it with ``_key`` and ``_f`` from here, so the
associated data of a sealed value is decided in one place. The key table itself is written by
``passphrase`` (setup, unlock, change); this module only reads it.
"""

from __future__ import annotations

import secrets

from reflect.core.crypto import KdfParams, MasterKey, SealedKey, new_key
from reflect.core.errors import CorruptDataError, PassphraseError
from reflect.core.store.connection import StoreBase

#: The owner name of the practice key (practice-wide fields and name lookups).
PRACTICE = "practice"


class KeyringMixin(StoreBase):
    """Unwrapping, caching and binding keys; the read side of the ``crypto`` table."""

    @property
    def has_keys(self) -> bool:
        return self.db.execute("SELECT 1 FROM crypto").fetchone() is not None

    def key_info(self) -> dict[str, str]:
        row = self.db.execute("SELECT kdf, params, created, changed FROM crypto").fetchone()
        return dict(row) if row else {}

    def _derive(self, passphrase: str) -> tuple[MasterKey, SealedKey]:
        """The master key from ``passphrase`` and the practice key it unwraps: ``PassphraseError`` when
        the passphrase is wrong, ``CorruptDataError`` when it is right (the check value matches) but the
        wrapped key was altered."""
        row = self.db.execute("SELECT params, salt, practice_key, verifier FROM crypto").fetchone()
        if row is None:
            raise PassphraseError("this store has no keys yet")
        master = MasterKey.derive(passphrase, row["salt"], KdfParams.from_json(row["params"]))
        if row["verifier"] is not None and not secrets.compare_digest(row["verifier"], master.verifier()):
            raise PassphraseError("wrong passphrase")
        try:
            return master, master.unwrap(PRACTICE, row["practice_key"])
        except PassphraseError:
            if row["verifier"] is None:
                raise
            raise CorruptDataError("the practice key in the store was altered; restore a backup") from None

    def verify_passphrase(self, passphrase: str) -> None:
        """Raise ``PassphraseError`` unless ``passphrase`` unlocks this store (changes nothing)."""
        self._derive(passphrase)

    def _f(self, field: str, row: object) -> str:
        """The name a sealed value is bound to: its field and, from schema v5, its row."""
        return f"{field}#{row}" if self._row_bound else field

    def _unlocked_master(self) -> MasterKey:
        """The master key; ``PassphraseError`` while the practice is locked."""
        if self._master is None:
            raise PassphraseError("the practice is locked")
        return self._master

    def _key(self, client_id: str | None) -> SealedKey:
        if self._practice is None or self._master is None:
            raise PassphraseError("the practice is locked")
        if client_id is None:
            return self._practice
        key = self._keys.get(client_id)
        if key is None:
            row = self.db.execute("SELECT data_key FROM clients WHERE id = ?", (client_id,)).fetchone()
            if row is None or row["data_key"] is None:
                raise PassphraseError(f"client {client_id} has no data key")
            try:
                key = self._master.unwrap(client_id, row["data_key"])
            except PassphraseError:  # the passphrase was verified: the wrapped key itself was altered
                raise CorruptDataError(f"the key of client {client_id} in the store was altered; restore a backup") from None
            with self._key_lock:
                self._keys.setdefault(client_id, key)
        return key

    def _new_client_key(self, client_id: str) -> bytes:
        master = self._unlocked_master()
        raw = new_key()
        self._keys[client_id] = SealedKey(raw, client_id)
        return master.wrap(client_id, raw)
