"""Encryption at rest: the key hierarchy, sealing of fields, and name lookups.

Envelope encryption, as in Bitwarden and 1Password:

    passphrase --Argon2id(salt; parameters stored with the data)--> master key   (never stored)
    master key --AES-256-GCM key wrap--> practice key     (name lookups, practice-wide fields)
    master key --AES-256-GCM key wrap--> one data key per client   (every field of that client)

Changing the passphrase re-wraps the practice key and the client keys; no note is re-encrypted.
Forgetting a client deletes its wrapped data key, so a stray copy of that client's ciphertext (a free
page, a file a backup tool kept) cannot be read with the passphrase any more.

A sealed field is ``version byte | 96-bit random nonce | AES-256-GCM ciphertext and tag`` with
associated data naming the key's owner and the field (``<client id>/notes.original``), so a ciphertext
moved to another field or another client fails authentication instead of decrypting to the wrong place.
Name lookups use HMAC-SHA256 under the practice key: the store can find "maria gonzalez" without
holding the name. All primitives come from ``cryptography`` (OpenSSL); nothing here is hand-rolled
beyond the framing. Nothing here logs.
"""

from __future__ import annotations

import hmac
import json
import os
from dataclasses import asdict, dataclass
from hashlib import sha256

from reflect.core.errors import CorruptDataError, PassphraseError

FORMAT = 1
KEY_BYTES = 32
NONCE_BYTES = 12
SALT_BYTES = 16
MIN_PASSPHRASE = 8


@dataclass(frozen=True)
class KdfParams:
    """Argon2id parameters, stored next to the salt so they can be raised later without lock-out.

    The default is RFC 9106's second recommended setting (64 MiB, 3 passes, 4 lanes): about 0.25 s
    on the 2-core benchmark machine, paid once per command and once when the app opens.
    """

    memory_kib: int = 65536
    iterations: int = 3
    lanes: int = 4

    def derive(self, passphrase: str, salt: bytes) -> bytes:
        from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

        kdf = Argon2id(salt=salt, length=KEY_BYTES, iterations=self.iterations, lanes=self.lanes, memory_cost=self.memory_kib)
        return kdf.derive(passphrase.encode("utf-8"))

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "KdfParams":
        return cls(**json.loads(text))


class SealedKey:
    """A 256-bit AES-GCM key that seals and opens the fields of one owner (a client or the practice)."""

    def __init__(self, key: bytes, owner: str):
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        if len(key) != KEY_BYTES:
            raise ValueError("a data key is 32 bytes")
        self._aead = AESGCM(key)
        self._mac_key = hmac.new(key, b"reflect lookup key", sha256).digest()
        self.owner = owner

    def _aad(self, field: str) -> bytes:
        return f"reflect:{FORMAT}:{self.owner}/{field}".encode()

    def seal(self, field: str, value: str) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return bytes([FORMAT]) + nonce + self._aead.encrypt(nonce, value.encode("utf-8"), self._aad(field))

    def open(self, field: str, blob: bytes) -> str:
        from cryptography.exceptions import InvalidTag

        if not isinstance(blob, bytes) or len(blob) < 1 + NONCE_BYTES + 16 or blob[0] != FORMAT:
            raise CorruptDataError(f"{self.owner}/{field} is not a sealed value (the store was altered)")
        try:
            return self._aead.decrypt(blob[1 : 1 + NONCE_BYTES], blob[1 + NONCE_BYTES :], self._aad(field)).decode("utf-8")
        except InvalidTag:
            raise CorruptDataError(f"{self.owner}/{field} failed authentication (the store was altered)") from None

    def lookup(self, text: str) -> str:
        """A keyed, deterministic fingerprint of ``text`` for equality lookups (HMAC-SHA256, hex)."""
        return hmac.new(self._mac_key, text.encode("utf-8"), sha256).hexdigest()


class MasterKey:
    """The key derived from the passphrase. Lives only in memory; wraps and unwraps data keys."""

    def __init__(self, key: bytes):
        self._wrapper = SealedKey(key, "master")

    @classmethod
    def derive(cls, passphrase: str, salt: bytes, params: KdfParams) -> "MasterKey":
        return cls(params.derive(passphrase, salt))

    def wrap(self, owner: str, key: bytes) -> bytes:
        return self._wrapper.seal(f"key/{owner}", key.hex())

    def verifier(self) -> str:
        """A check value of this key (HMAC of a fixed label): tells a wrong passphrase from an altered
        wrapped key without revealing anything about the key."""
        return self._wrapper.lookup("reflect passphrase check")

    def unwrap_raw(self, owner: str, blob: bytes) -> bytes:
        """The raw data key of ``owner``. A wrong passphrase fails here, before anything is read or written."""
        try:
            return bytes.fromhex(self._wrapper.open(f"key/{owner}", blob))
        except CorruptDataError:
            raise PassphraseError("wrong passphrase") from None

    def unwrap(self, owner: str, blob: bytes) -> SealedKey:
        return SealedKey(self.unwrap_raw(owner, blob), owner)


def new_key() -> bytes:
    return os.urandom(KEY_BYTES)


def new_salt() -> bytes:
    return os.urandom(SALT_BYTES)


def check_new_passphrase(passphrase: str) -> str:
    """A new passphrase must be long enough to be worth deriving a key from."""
    if len(passphrase) < MIN_PASSPHRASE:
        raise PassphraseError(f"the passphrase must be at least {MIN_PASSPHRASE} characters")
    return passphrase
