"""Commitments found in notes: their text (redacted, sealed and bound to its row) and the status the
coach sets (in clear; NULL until set). Re-deriving them after the rules or the redaction change keeps
every status the coach set.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from reflect.core.store.keys import KeyringMixin
from reflect.core.store.schema import now_iso


class CommitmentsMixin(KeyringMixin):
    """Adding, listing, re-deriving and scrubbing a client's commitments, and setting their status."""

    def add_commitments(self, client_id: str, note_id: int, texts: Iterable[str]) -> None:
        k = self._key(client_id)
        for t in texts:
            cur = self.db.execute("INSERT INTO commitments (client_id, note_id, text, created) VALUES (?, ?, X'', ?)", (client_id, note_id, now_iso()))
            self.db.execute("UPDATE commitments SET text = ? WHERE id = ?", (k.seal(self._f("commitments.text", cur.lastrowid), t), cur.lastrowid))

    def add_commitment(self, client_id: str, note_id: int, text: str, status: str) -> int:
        """One commitment the coach writes down (redacted text), with the coach's status."""
        k = self._key(client_id)
        cur = self.db.execute(
            "INSERT INTO commitments (client_id, note_id, text, status, created) VALUES (?, ?, X'', ?, ?)", (client_id, note_id, status, now_iso())
        )
        assert cur.lastrowid is not None
        self.db.execute("UPDATE commitments SET text = ? WHERE id = ?", (k.seal(self._f("commitments.text", cur.lastrowid), text), cur.lastrowid))
        return cur.lastrowid

    def set_commitment_text(self, client_id: str, commitment_id: int, text: str, status: str) -> bool:
        """The coach's wording of a commitment (redacted); a status is set with it so that re-deriving
        the note's commitments never removes what the coach wrote."""
        k = self._key(client_id)
        cur = self.db.execute(
            "UPDATE commitments SET text = ?, status = COALESCE(status, ?), inferred = NULL WHERE client_id = ? AND id = ?",
            (k.seal(self._f("commitments.text", commitment_id), text), status, client_id, commitment_id),
        )
        return cur.rowcount == 1

    def commitments(self, client_id: str) -> list[dict[str, Any]]:
        """(id, note_id, date, text, status) of a client's commitments, in session order."""
        rows = list(self.db.execute(
            "SELECT c.id, c.note_id, n.date, c.text, c.status FROM commitments c JOIN notes n ON n.id = c.note_id "
            "WHERE c.client_id = ? ORDER BY n.date, c.id", (client_id,),
        ))
        if not rows:
            return []
        k = self._key(client_id)
        return [
            {"id": r["id"], "note_id": r["note_id"], "date": r["date"], "text": k.open(self._f("commitments.text", r["id"]), r["text"]), "status": r["status"]}
            for r in rows
        ]

    def refresh_commitments(self, client_id: str, note_id: int, texts: list[str]) -> None:
        """Re-derive a note's commitments (after the extraction rules change), keeping the coach's
        statuses: new ones are added, vanished ones without a status set by the coach are removed."""
        k = self._key(client_id)
        existing = {k.open(self._f("commitments.text", r["id"]), r["text"]): r for r in self.db.execute(
            "SELECT id, text, status FROM commitments WHERE client_id = ? AND note_id = ?", (client_id, note_id))}
        self.add_commitments(client_id, note_id, [t for t in texts if t not in existing])
        for text, row in existing.items():
            if text not in texts and row["status"] is None:
                self.db.execute("DELETE FROM commitments WHERE id = ?", (row["id"],))

    def replace_commitments(self, client_id: str, note_id: int, texts: list[str], scrub: Callable[[str], str] | None = None) -> None:
        """A re-redacted note's commitments: each new text is paired with the stored commitment it is
        the same as once placeholders and names are set aside (never by position: two commitments of
        one note must not swap the coach's statuses), keeping its id and status. A stored one left
        unpaired is removed, unless the coach set its status: then it stays, with ``scrub`` applied
        to its text (the current map), so it never keeps a name now redacted."""
        import difflib

        from reflect.core.redaction.gate import PLACEHOLDER_RE

        k = self._key(client_id)

        def skeleton(text: str) -> str:
            return " ".join(PLACEHOLDER_RE.sub(" ", text).split()).casefold()

        rows = [
            {"id": r["id"], "status": r["status"], "text": k.open(self._f("commitments.text", r["id"]), r["text"])}
            for r in self.db.execute("SELECT id, text, status FROM commitments WHERE client_id = ? AND note_id = ? ORDER BY id", (client_id, note_id))
        ]
        pairs = sorted(
            ((difflib.SequenceMatcher(None, skeleton(row["text"]), skeleton(text)).ratio(), i, j)
             for i, row in enumerate(rows) for j, text in enumerate(texts)),
            reverse=True,
        )
        used_rows: set[int] = set()
        used_texts: set[int] = set()
        for ratio, i, j in pairs:
            if ratio < 0.6 or i in used_rows or j in used_texts:
                continue
            used_rows.add(i)
            used_texts.add(j)
            self.db.execute("UPDATE commitments SET text = ? WHERE id = ?", (k.seal(self._f("commitments.text", rows[i]["id"]), texts[j]), rows[i]["id"]))
        for i, row in enumerate(rows):
            if i in used_rows:
                continue
            if row["status"] is None:
                self.db.execute("DELETE FROM commitments WHERE id = ?", (row["id"],))
            elif scrub is not None:
                self.db.execute("UPDATE commitments SET text = ? WHERE id = ?", (k.seal(self._f("commitments.text", row["id"]), scrub(row["text"])), row["id"]))
        self.add_commitments(client_id, note_id, [t for j, t in enumerate(texts) if j not in used_texts])

    def scrub_commitments(self, client_id: str, scrub: Callable[[str], str]) -> int:
        """Apply ``scrub`` (the current map) to every commitment text of a client; returns how many changed."""
        k = self._key(client_id)
        changed = 0
        for r in list(self.db.execute("SELECT id, text FROM commitments WHERE client_id = ?", (client_id,))):
            text = k.open(self._f("commitments.text", r["id"]), r["text"])
            clean = scrub(text)
            if clean != text:
                self.db.execute("UPDATE commitments SET text = ? WHERE id = ?", (k.seal(self._f("commitments.text", r["id"]), clean), r["id"]))
                changed += 1
        return changed

    def set_inferred(self, client_id: str, statuses: dict[int, str]) -> None:
        """Keep the statuses inferred for these commitments (id -> open, done or dropped)."""
        self.db.executemany(
            "UPDATE commitments SET inferred = ? WHERE client_id = ? AND id = ?",
            [(status, client_id, cid) for cid, status in statuses.items()],
        )

    def clear_inferred(self, client_id: str, note_ids: Iterable[int] | None = None) -> None:
        """Forget the inferred statuses of a client's commitments (of those made in ``note_ids``
        only, if given): their notes changed, so they are inferred again when next needed."""
        if note_ids is None:
            self.db.execute("UPDATE commitments SET inferred = NULL WHERE client_id = ?", (client_id,))
            return
        self.db.executemany(
            "UPDATE commitments SET inferred = NULL WHERE client_id = ? AND note_id = ?", [(client_id, n) for n in note_ids]
        )

    def open_commitment_count(self, client_id: str) -> int | None:
        """How many of a client's commitments are open (the coach's status, else the inferred one);
        None when some commitment has neither yet."""
        row = self.db.execute(
            "SELECT SUM(COALESCE(status, inferred) = 'open') AS open, SUM(status IS NULL AND inferred IS NULL) AS unknown "
            "FROM commitments WHERE client_id = ?", (client_id,),
        ).fetchone()
        if row["unknown"]:
            return None
        return int(row["open"] or 0)

    def set_commitment_status(self, client_id: str, commitment_id: int, status: str | None) -> bool:
        cur = self.db.execute(
            "UPDATE commitments SET status = ? WHERE client_id = ? AND id = ?", (status, client_id, commitment_id)
        )
        return cur.rowcount == 1
