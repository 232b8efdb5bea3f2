"""Session notes, each stored twice (the original and its redacted text, both sealed and bound to the
note's row; the session date in clear), and the re-redaction pending flag: the clients whose stored
notes must be re-redacted, set with the roster change that requires it and cleared once the notes and
the index follow, so a crash in between is repaired at next use.
"""

from __future__ import annotations

import sqlite3
from datetime import date

from reflect.core.domain import Note
from reflect.core.store.keys import KeyringMixin
from reflect.core.store.schema import now_iso


class NotesMixin(KeyringMixin):
    """Adding, reading, editing and deleting notes; the per-client re-redaction flag."""

    def add_note(self, client_id: str, when: date, original: str, redacted: str) -> int:
        k = self._key(client_id)
        cur = self.db.execute(
            "INSERT INTO notes (client_id, date, original, redacted, created) VALUES (?, ?, X'', X'', ?)", (client_id, when.isoformat(), now_iso()),
        )
        nid = cur.lastrowid
        assert nid is not None  # an INSERT into a rowid table always sets it
        self.db.execute(
            "UPDATE notes SET original = ?, redacted = ? WHERE id = ?",
            (k.seal(self._f("notes.original", nid), original), k.seal(self._f("notes.redacted", nid), redacted), nid),
        )
        return nid

    def _note(self, r: sqlite3.Row) -> Note:
        k = self._key(r["client_id"])
        return Note(
            r["id"], r["client_id"], date.fromisoformat(r["date"]), k.open(self._f("notes.original", r["id"]), r["original"]),
            k.open(self._f("notes.redacted", r["id"]), r["redacted"]),
        )

    def notes(self, client_id: str) -> list[Note]:
        """A client's notes, oldest session first."""
        return [self._note(r) for r in self.db.execute("SELECT * FROM notes WHERE client_id = ? ORDER BY date, id", (client_id,))]

    def note(self, client_id: str, note_id: int) -> Note | None:
        row = self.db.execute("SELECT * FROM notes WHERE client_id = ? AND id = ?", (client_id, note_id)).fetchone()
        return self._note(row) if row else None

    def note_dates(self, client_id: str) -> list[tuple[int, str]]:
        """(id, date) of a client's notes, oldest first, without opening them."""
        return [(r["id"], r["date"]) for r in self.db.execute(
            "SELECT id, date FROM notes WHERE client_id = ? ORDER BY date, id", (client_id,))]

    def update_note(self, client_id: str, note_id: int, when: date, original: str, redacted: str) -> None:
        k = self._key(client_id)
        self.db.execute(
            "UPDATE notes SET date = ?, original = ?, redacted = ? WHERE client_id = ? AND id = ?",
            (when.isoformat(), k.seal(self._f("notes.original", note_id), original), k.seal(self._f("notes.redacted", note_id), redacted), client_id, note_id),
        )

    def set_redacted(self, client_id: str, note_id: int, redacted: str) -> None:
        """Store a note's redacted text anew (re-redaction); the original is untouched."""
        k = self._key(client_id)
        self.db.execute(
            "UPDATE notes SET redacted = ? WHERE client_id = ? AND id = ?", (k.seal(self._f("notes.redacted", note_id), redacted), client_id, note_id)
        )

    def delete_note(self, client_id: str, note_id: int) -> None:
        self.db.execute("DELETE FROM commitments WHERE client_id = ? AND note_id = ?", (client_id, note_id))
        self.db.execute("DELETE FROM notes WHERE client_id = ? AND id = ?", (client_id, note_id))

    def set_note_date(self, client_id: str, note_id: int, when: date) -> None:
        self.db.execute("UPDATE notes SET date = ? WHERE client_id = ? AND id = ?", (when.isoformat(), client_id, note_id))

    def note_count(self, client_id: str) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM notes WHERE client_id = ?", (client_id,)).fetchone()[0])

    def mark_reredact(self, client_id: str) -> None:
        self.db.execute("INSERT OR IGNORE INTO reredact_pending (client_id) VALUES (?)", (client_id,))

    def clear_reredact(self, client_id: str) -> None:
        self.db.execute("DELETE FROM reredact_pending WHERE client_id = ?", (client_id,))

    def reredact_pending(self, client_id: str) -> bool:
        return self.db.execute("SELECT 1 FROM reredact_pending WHERE client_id = ?", (client_id,)).fetchone() is not None
