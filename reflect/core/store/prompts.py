"""The audit trail of what the language model received: every prompt, sealed with its client's key
(the practice key when it concerns no client) and bound to its row; its time and purpose in clear.
"""

from __future__ import annotations

from reflect.core.store.keys import KeyringMixin
from reflect.core.store.schema import now_iso


class PromptsMixin(KeyringMixin):
    """Recording prompts and reading them back for ``reflect audit``."""

    def record_prompt(self, client_id: str | None, purpose: str, prompt: str) -> None:
        cur = self.db.execute("INSERT INTO prompts (at, client_id, purpose, prompt) VALUES (?, ?, ?, X'')", (now_iso(), client_id, purpose))
        self.db.execute("UPDATE prompts SET prompt = ? WHERE id = ?",
                        (self._key(client_id).seal(self._f("prompts.prompt", cur.lastrowid), prompt), cur.lastrowid))

    def prompts(self, client_id: str | None = None) -> list[dict[str, str | None]]:
        sql = "SELECT p.id, p.at, p.client_id, p.purpose, p.prompt FROM prompts p"
        args: tuple[str, ...] = ()
        if client_id:
            sql += " WHERE p.client_id = ?"
            args = (client_id,)
        rows = [dict(r) for r in self.db.execute(sql + " ORDER BY p.id", args)]
        for row in rows:
            row["prompt"] = self._key(row["client_id"]).open(self._f("prompts.prompt", row.pop("id")), row["prompt"])
        return rows
