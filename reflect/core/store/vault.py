"""Each client's pseudonym map (the ``map`` table; ``vault`` is its pre-encryption predecessor): every
identifier surface seen for a client and its placeholder. A row is found by a keyed lookup of its type
and key, and stored as one sealed JSON entry bound to that lookup; rows keep their insertion order.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, TypeAlias

from reflect.core.store.keys import KeyringMixin

if TYPE_CHECKING:
    from reflect.core.redaction.gate import PseudonymMap

#: One map row as stored: (type, key, surface, placeholder, origin), and ``part`` when it was written
#: from the gate's ``MapEntry``.
MapRow: TypeAlias = tuple[str, str, str, str, str] | tuple[str, str, str, str, str, bool]


class VaultMixin(KeyringMixin):
    """Reading, adding and saving the rows of a client's pseudonym map."""

    def vault(self, client_id: str) -> list[MapRow]:
        """(type, key, surface, placeholder, origin) rows of one client's map, in insertion order."""
        rows = list(self.db.execute("SELECT lookup, entry FROM map WHERE client_id = ? ORDER BY rowid", (client_id,)))
        if not rows:
            return []
        k = self._key(client_id)
        return [tuple(json.loads(k.open(self._f("map.entry", r["lookup"]), r["entry"]))) for r in rows]

    def add_vault_entries(self, client_id: str, rows: Iterable[MapRow]) -> None:
        k = self._key(client_id)
        self.db.executemany(
            "INSERT OR IGNORE INTO map (client_id, lookup, entry) VALUES (?, ?, ?)",
            [(client_id, lookup, k.seal(self._f("map.entry", lookup), json.dumps(list(row))))
             for row in rows for lookup in [k.lookup(f"{row[0]}\x00{row[1]}")]],
        )

    def save_map(self, client_id: str, pmap: PseudonymMap) -> None:
        """Write what changed in a client's pseudonym map since it was loaded: new entries, re-pointed
        or merged ones (replaced in place, keeping their order) and removed ones (deleted; with
        secure_delete on, their pages are zeroed)."""
        k = self._key(client_id)

        def lookup(row: MapRow) -> str:
            return k.lookup(f"{row[0]}\x00{row[1]}")

        for old, new in pmap.changed_rows:
            sealed = k.seal(self._f("map.entry", lookup(new)), json.dumps(list(new)))
            if lookup(old) == lookup(new):
                self.db.execute("UPDATE map SET entry = ? WHERE client_id = ? AND lookup = ?", (sealed, client_id, lookup(old)))
            else:
                self.db.execute("DELETE FROM map WHERE client_id = ? AND lookup = ?", (client_id, lookup(old)))
                self.db.execute("INSERT OR REPLACE INTO map (client_id, lookup, entry) VALUES (?, ?, ?)", (client_id, lookup(new), sealed))
        self.db.executemany("DELETE FROM map WHERE client_id = ? AND lookup = ?", [(client_id, lookup(r)) for r in pmap.removed_rows])
        self.add_vault_entries(client_id, pmap.new_rows)
        pmap.new_rows.clear()
        pmap.changed_rows.clear()
        pmap.removed_rows.clear()
