"""Clients and each client's roster (the people and organisations the coach registered).

A client's name and aliases are sealed with its own data key, and it is found by name through a keyed
lookup under the practice key (``name_key`` folds the name first), never by a name in clear. Forgetting
a client deletes its row and with it its wrapped key. A roster entry's name, aliases and role are
sealed and bound to their row.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
from collections.abc import Iterable

from reflect.core.domain import Client, Person
from reflect.core.store.keys import KeyringMixin
from reflect.core.store.schema import now_iso


def name_key(name: str) -> str:
    """How client names are compared: case-insensitive, whitespace-collapsed."""
    return " ".join(name.split()).casefold()


class ClientsMixin(KeyringMixin):
    """Adding, finding, renaming (aliases) and forgetting clients."""

    def add_client(self, name: str, aliases: Iterable[str] = ()) -> Client:
        client = Client(id=secrets.token_hex(4), name=" ".join(name.split()), aliases=tuple(aliases), created=now_iso())
        lookup = self._key(None).lookup(name_key(client.name))
        wrapped = self._new_client_key(client.id)
        k = self._keys[client.id]
        self.db.execute(
            "INSERT INTO clients (id, name, name_key, aliases, created, data_key) VALUES (?, ?, ?, ?, ?, ?)",
            (client.id, k.seal("clients.name", client.name), lookup,
             k.seal("clients.aliases", json.dumps(list(client.aliases))), client.created, wrapped),
        )
        return client

    def _client(self, row: sqlite3.Row) -> Client:
        k = self._key(row["id"])
        return Client(
            id=row["id"], name=k.open("clients.name", row["name"]),
            aliases=tuple(json.loads(k.open("clients.aliases", row["aliases"]))), created=row["created"],
        )

    def clients(self) -> list[Client]:
        found = [self._client(r) for r in self.db.execute("SELECT * FROM clients")]
        return sorted(found, key=lambda c: (name_key(c.name), c.id))

    def client_ids(self) -> list[str]:
        return [r["id"] for r in self.db.execute("SELECT id FROM clients ORDER BY id")]

    def client_by_key(self, key: str) -> Client | None:
        """A client by exact id or by name (case-insensitive)."""
        row = self.db.execute(
            "SELECT * FROM clients WHERE id = ? OR name_key = ?", (key.strip().lower(), self._key(None).lookup(name_key(key)))
        ).fetchone()
        return self._client(row) if row else None

    def set_client_aliases(self, client_id: str, aliases: list[str]) -> None:
        k = self._key(client_id)
        self.db.execute("UPDATE clients SET aliases = ? WHERE id = ?", (k.seal("clients.aliases", json.dumps(aliases)), client_id))

    def delete_client(self, client_id: str) -> None:
        self.db.execute("DELETE FROM clients WHERE id = ?", (client_id,))
        self._keys.pop(client_id, None)


class RosterMixin(KeyringMixin):
    """A client's roster: adding people, reading them, changing their aliases."""

    def add_person(self, client_id: str, name: str, aliases: Iterable[str], role: str | None, kind: str) -> Person:
        k = self._key(client_id)
        cur = self.db.execute(
            "INSERT INTO people (client_id, name, aliases, role, kind, created) VALUES (?, X'', X'', NULL, ?, ?)", (client_id, kind, now_iso()),
        )
        pid = cur.lastrowid
        assert pid is not None  # an INSERT into a rowid table always sets it
        self.db.execute(
            "UPDATE people SET name = ?, aliases = ?, role = ? WHERE id = ?",
            (k.seal(self._f("people.name", pid), " ".join(name.split())), k.seal(self._f("people.aliases", pid), json.dumps(list(aliases))),
             k.seal(self._f("people.role", pid), role) if role is not None else None, pid),
        )
        return self.person(pid)

    def _person(self, r: sqlite3.Row) -> Person:
        k = self._key(r["client_id"])
        return Person(
            r["id"], r["client_id"], k.open(self._f("people.name", r["id"]), r["name"]),
            tuple(json.loads(k.open(self._f("people.aliases", r["id"]), r["aliases"]))),
            k.open(self._f("people.role", r["id"]), r["role"]) if r["role"] is not None else None, r["kind"],
        )

    def person(self, person_id: int) -> Person:
        return self._person(self.db.execute("SELECT * FROM people WHERE id = ?", (person_id,)).fetchone())

    def people(self, client_id: str) -> list[Person]:
        return [self._person(r) for r in self.db.execute("SELECT * FROM people WHERE client_id = ? ORDER BY id", (client_id,))]

    def set_person_aliases(self, person_id: int, client_id: str, aliases: list[str]) -> None:
        k = self._key(client_id)
        self.db.execute(
            "UPDATE people SET aliases = ? WHERE id = ? AND client_id = ?",
            (k.seal(self._f("people.aliases", person_id), json.dumps(aliases)), person_id, client_id)
        )

    def people_count(self, client_id: str) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM people WHERE client_id = ?", (client_id,)).fetchone()[0])
