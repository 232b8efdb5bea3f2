"""The engagement's goals: their text (redacted, sealed and bound to its row), status (open, achieved,
dropped), the day each was written down and the coach's order. Status, day and order are in clear, like
a commitment's status; the text never is. Goals go with their client (``ON DELETE CASCADE``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from reflect.core.domain import Goal, GoalStatus
from reflect.core.store.keys import KeyringMixin


class GoalsMixin(KeyringMixin):
    """Adding, listing, rewording, re-statusing, deleting and scrubbing a client's goals."""

    def add_goal(self, client_id: str, text: str, position: int | None = None) -> Goal:
        """One goal (redacted text), open, written down today."""
        k = self._key(client_id)
        today = date.today().isoformat()
        cur = self.db.execute(
            "INSERT INTO goals (client_id, text, status, position, created) VALUES (?, X'', 'open', ?, ?)", (client_id, position, today)
        )
        assert cur.lastrowid is not None
        self.db.execute("UPDATE goals SET text = ? WHERE id = ?", (k.seal(self._f("goals.text", cur.lastrowid), text), cur.lastrowid))
        return Goal(cur.lastrowid, client_id, text, "open", today, position)

    def goals(self, client_id: str) -> list[Goal]:
        """A client's goals in the coach's order (those without one after, in the order written)."""
        rows = list(self.db.execute(
            "SELECT id, text, status, position, created FROM goals WHERE client_id = ? ORDER BY position IS NULL, position, id", (client_id,),
        ))
        if not rows:
            return []
        k = self._key(client_id)
        return [Goal(r["id"], client_id, k.open(self._f("goals.text", r["id"]), r["text"]), r["status"], r["created"], r["position"]) for r in rows]

    def has_goal(self, client_id: str, goal_id: int) -> bool:
        return self.db.execute("SELECT 1 FROM goals WHERE client_id = ? AND id = ?", (client_id, goal_id)).fetchone() is not None

    def set_goal_text(self, client_id: str, goal_id: int, text: str) -> bool:
        k = self._key(client_id)
        cur = self.db.execute("UPDATE goals SET text = ? WHERE client_id = ? AND id = ?", (k.seal(self._f("goals.text", goal_id), text), client_id, goal_id))
        return cur.rowcount == 1

    def set_goal_status(self, client_id: str, goal_id: int, status: GoalStatus) -> bool:
        cur = self.db.execute("UPDATE goals SET status = ? WHERE client_id = ? AND id = ?", (status, client_id, goal_id))
        return cur.rowcount == 1

    def delete_goal(self, client_id: str, goal_id: int) -> bool:
        cur = self.db.execute("DELETE FROM goals WHERE client_id = ? AND id = ?", (client_id, goal_id))
        return cur.rowcount == 1

    def scrub_goals(self, client_id: str, scrub: Callable[[str], str]) -> int:
        """Apply ``scrub`` (the current map) to every goal of a client; returns how many changed."""
        k = self._key(client_id)
        changed = 0
        for r in list(self.db.execute("SELECT id, text FROM goals WHERE client_id = ?", (client_id,))):
            text = k.open(self._f("goals.text", r["id"]), r["text"])
            clean = scrub(text)
            if clean != text:
                self.db.execute("UPDATE goals SET text = ? WHERE id = ?", (k.seal(self._f("goals.text", r["id"]), clean), r["id"]))
                changed += 1
        return changed
