"""The passphrase: creating the keys of a new store (``setup``), unlocking, changing the passphrase,
and bringing rows written under an older scheme up to the current sealing: a store from before
encryption (schema v3 and older) is sealed by ``setup``, and values sealed before row binding existed
(schema v4) are re-sealed with their row at the first unlock.

Writes the ``crypto`` table; the keys it sets are then used through ``keys``. Builds on ``vault`` (a
legacy store's map rows move into the sealed map) and on ``maintenance`` (plaintext pages are purged
after sealing).
"""

from __future__ import annotations

from reflect.core.crypto import KdfParams, MasterKey, SealedKey, check_new_passphrase, new_key, new_salt
from reflect.core.errors import PassphraseError
from reflect.core.store.clients import name_key
from reflect.core.store.keys import PRACTICE
from reflect.core.store.maintenance import MaintenanceMixin
from reflect.core.store.schema import now_iso
from reflect.core.store.vault import VaultMixin


class PassphraseMixin(VaultMixin, MaintenanceMixin):
    """Setup, unlock and passphrase change, and the one-time re-sealing of older stores."""

    def is_empty(self) -> bool:
        return self.db.execute("SELECT 1 FROM clients LIMIT 1").fetchone() is None

    def unlock(self, passphrase: str) -> None:
        """Derive the master key and unwrap the practice key. A store sealed before row binding
        existed is re-sealed (once, in one transaction) unless it was opened read-only."""
        self._master, self._practice = self._derive(passphrase)
        row = self.db.execute("SELECT row_bound, verifier FROM crypto").fetchone()
        self._row_bound = bool(row["row_bound"])
        if not self.read_only and (not self._row_bound or row["verifier"] is None):
            self._bind_rows()

    def _bind_rows(self) -> None:
        """Re-seal every value with its row in its associated data, and store the passphrase check."""
        with self.transaction():
            if not self._row_bound:
                for cid in [r["id"] for r in self.db.execute("SELECT id FROM clients")]:
                    k = self._key(cid)
                    for r in list(self.db.execute("SELECT * FROM people WHERE client_id = ?", (cid,))):
                        self.db.execute(
                            "UPDATE people SET name = ?, aliases = ?, role = ? WHERE id = ?",
                            (k.seal(f"people.name#{r['id']}", k.open("people.name", r["name"])),
                             k.seal(f"people.aliases#{r['id']}", k.open("people.aliases", r["aliases"])),
                             k.seal(f"people.role#{r['id']}", k.open("people.role", r["role"])) if r["role"] is not None else None, r["id"]),
                        )
                    for r in list(self.db.execute("SELECT id, original, redacted FROM notes WHERE client_id = ?", (cid,))):
                        self.db.execute(
                            "UPDATE notes SET original = ?, redacted = ? WHERE id = ?",
                            (k.seal(f"notes.original#{r['id']}", k.open("notes.original", r["original"])),
                             k.seal(f"notes.redacted#{r['id']}", k.open("notes.redacted", r["redacted"])), r["id"]),
                        )
                    for r in list(self.db.execute("SELECT id, text FROM commitments WHERE client_id = ?", (cid,))):
                        self.db.execute("UPDATE commitments SET text = ? WHERE id = ?",
                                        (k.seal(f"commitments.text#{r['id']}", k.open("commitments.text", r["text"])), r["id"]))
                    for r in list(self.db.execute("SELECT lookup, entry FROM map WHERE client_id = ?", (cid,))):
                        self.db.execute("UPDATE map SET entry = ? WHERE client_id = ? AND lookup = ?",
                                        (k.seal(f"map.entry#{r['lookup']}", k.open("map.entry", r["entry"])), cid, r["lookup"]))
                for r in list(self.db.execute("SELECT id, client_id, prompt FROM prompts")):
                    k = self._key(r["client_id"])
                    self.db.execute("UPDATE prompts SET prompt = ? WHERE id = ?",
                                    (k.seal(f"prompts.prompt#{r['id']}", k.open("prompts.prompt", r["prompt"])), r["id"]))
            self.db.execute("UPDATE crypto SET row_bound = 1, verifier = ? WHERE id = 1", (self._unlocked_master().verifier(),))
        self._row_bound = True

    def setup(self, passphrase: str, params: KdfParams | None = None) -> None:
        """Create the keys of a store that has none, and seal any rows written before encryption
        existed (schema v3 and older) in the same transaction, then purge their plaintext pages."""
        if self.has_keys:
            raise PassphraseError("this practice already has a passphrase; 'reflect passphrase' changes it")
        check_new_passphrase(passphrase)
        params = params or KdfParams()
        salt = new_salt()
        master = MasterKey.derive(passphrase, salt, params)
        practice_raw = new_key()
        legacy = not self.is_empty()
        with self.transaction():
            self.db.execute(
                "INSERT INTO crypto (id, kdf, params, salt, practice_key, created, row_bound, verifier) VALUES (1, 'argon2id', ?, ?, ?, ?, 1, ?)",
                (params.to_json(), salt, master.wrap(PRACTICE, practice_raw), now_iso(), master.verifier()),
            )
            self._master, self._practice = master, SealedKey(practice_raw, PRACTICE)
            self._row_bound = True
            if legacy:
                self._seal_legacy_rows()
        if legacy:
            self.purge()

    def change_passphrase(self, new_passphrase: str, params: KdfParams | None = None) -> int:
        """Re-wrap the practice key and every client key under a new master key; no note is
        re-encrypted. Returns the number of keys re-wrapped."""
        if self._master is None:
            raise PassphraseError("unlock the practice first")
        check_new_passphrase(new_passphrase)
        row = self.db.execute("SELECT params, practice_key FROM crypto").fetchone()
        params = params or KdfParams.from_json(row["params"])
        salt = new_salt()
        new_master = MasterKey.derive(new_passphrase, salt, params)
        old_master = self._master
        count = 0
        with self.transaction():
            practice_raw = old_master.unwrap_raw(PRACTICE, row["practice_key"])
            self.db.execute(
                "UPDATE crypto SET params = ?, salt = ?, practice_key = ?, changed = ?, verifier = ? WHERE id = 1",
                (params.to_json(), salt, new_master.wrap(PRACTICE, practice_raw), now_iso(), new_master.verifier()),
            )
            count += 1
            for r in list(self.db.execute("SELECT id, data_key FROM clients")):
                raw = old_master.unwrap_raw(r["id"], r["data_key"])
                self.db.execute("UPDATE clients SET data_key = ? WHERE id = ?", (new_master.wrap(r["id"], raw), r["id"]))
                count += 1
        self._master = new_master
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return count

    def _seal_legacy_rows(self) -> None:
        """Seal every row of a store written before encryption (inside ``setup``'s transaction)."""
        for c in list(self.db.execute("SELECT * FROM clients WHERE data_key IS NULL")):
            cid = c["id"]
            wrapped = self._new_client_key(cid)
            k = self._keys[cid]
            self.db.execute(
                "UPDATE clients SET name = ?, aliases = ?, name_key = ?, data_key = ? WHERE id = ?",
                (k.seal("clients.name", c["name"]), k.seal("clients.aliases", c["aliases"]),
                 self._key(None).lookup(name_key(c["name"])), wrapped, cid),
            )
            for r in list(self.db.execute("SELECT * FROM people WHERE client_id = ?", (cid,))):
                self.db.execute(
                    "UPDATE people SET name = ?, aliases = ?, role = ? WHERE id = ?",
                    (k.seal(self._f("people.name", r["id"]), r["name"]), k.seal(self._f("people.aliases", r["id"]), r["aliases"]),
                     k.seal(self._f("people.role", r["id"]), r["role"]) if r["role"] is not None else None, r["id"]),
                )
            for r in list(self.db.execute("SELECT id, original, redacted FROM notes WHERE client_id = ?", (cid,))):
                self.db.execute(
                    "UPDATE notes SET original = ?, redacted = ? WHERE id = ?",
                    (k.seal(self._f("notes.original", r["id"]), r["original"]), k.seal(self._f("notes.redacted", r["id"]), r["redacted"]), r["id"]),
                )
            for r in list(self.db.execute("SELECT id, text FROM commitments WHERE client_id = ?", (cid,))):
                self.db.execute("UPDATE commitments SET text = ? WHERE id = ?", (k.seal(self._f("commitments.text", r["id"]), r["text"]), r["id"]))
            self.add_vault_entries(cid, [
                (r["type"], r["key"], r["surface"], r["placeholder"], r["origin"])
                for r in self.db.execute("SELECT * FROM vault WHERE client_id = ? ORDER BY rowid", (cid,))
            ])
        self.db.execute("DELETE FROM vault")
        for r in list(self.db.execute("SELECT id, client_id, prompt FROM prompts")):
            k = self._key(r["client_id"])
            self.db.execute("UPDATE prompts SET prompt = ? WHERE id = ?", (k.seal(self._f("prompts.prompt", r["id"]), r["prompt"]), r["id"]))
