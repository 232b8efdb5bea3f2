"""What a coach reads before and after a session: search, recurring themes, an extractive summary,
reflection questions, the prep brief and the follow-up. Model calls go through ``Context.ask`` (the
one door: checked, recorded, then sent); what the model returns is validated, and the question bank
fills what it does not get right. Passages are found again by position (note id, chunk).
"""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING, Any

from reflect.core.chunking import sentences
from reflect.core.domain import Client, Commitment, Evidence, Note, Passage, PrepBrief, Theme
from reflect.core.errors import InputError
from reflect.core.redaction.gate import PLACEHOLDER_RE
from reflect.core.services.commitments import Commitments
from reflect.core.services.context import Cancelled, Context, OnText
from reflect.core.services.results import Followup, QuestionSet

if TYPE_CHECKING:
    import numpy as np

    from reflect.core.prompts import BankQuestion, TaxonomyTheme

QUESTION_COUNT = 5
FOLLOWUP_COUNT = 3


def _followup_schema(passages: int, count: int) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "questions": {
                "type": "array", "minItems": 1, "maxItems": count,
                "items": {
                    "type": "object",
                    "properties": {
                        "question": {"type": "string", "minLength": 10, "maxLength": 200},
                        "passage": {"type": "integer", "enum": list(range(1, passages + 1))},
                    },
                    "required": ["question", "passage"],
                },
            },
            "recap": {"type": "string", "minLength": 20, "maxLength": 600},
        },
        "required": ["questions", "recap"],
    }


class Insight:
    def __init__(self, ctx: Context, commitments: Commitments) -> None:
        self._ctx = ctx
        self._commitments = commitments
        self._theme_vectors: tuple[list[TaxonomyTheme], np.ndarray, np.ndarray] | None = None
        self._bank_vectors: tuple[list[BankQuestion], np.ndarray] | None = None

    def _has_notes(self, client: Client) -> list[Note]:
        notes = self._ctx.store.notes(client.id)
        if not notes:
            raise InputError(f"{client.name} has no notes yet; add one with 'reflect note add'")
        return notes

    # retrieval ----------------------------------------------------------------------------------
    def search(self, client: Client, query: str, k: int | None = None) -> list[Passage]:
        """Most relevant passages of one client's notes. The query is redacted first: it may name people."""
        ctx = self._ctx
        if not query.strip():
            raise InputError("the search query is empty")
        k = k or ctx.settings.search_k
        if k < 1 or k > 100:
            raise InputError("-k must be between 1 and 100")
        redacted_query = ctx.components.gate.redact(query, ctx.map(client).copy()).redacted
        vector = ctx.embed(client.id, [redacted_query])[0]
        return [p for p in ctx.with_text(client, ctx.index(client).query(vector, k)) if p is not None]

    def _taxonomy_vectors(self) -> tuple[list[TaxonomyTheme], np.ndarray, np.ndarray]:
        from reflect.core.themes import theme_phrases

        if self._theme_vectors is None:
            taxonomy = self._ctx.prompts.taxonomy()
            phrases, owner = theme_phrases(taxonomy)
            self._theme_vectors = (taxonomy, self._ctx.components.embedder.embed(phrases), owner)
        return self._theme_vectors

    def themes(self, client: Client, since: date | None = None) -> list[Theme]:
        from reflect.core.themes import combine, emergent_themes, find_themes, similarity

        ctx = self._ctx
        notes = [n for n in ctx.store.notes(client.id) if since is None or n.date >= since]
        found, vectors = ctx.index(client).all()
        passages = ctx.with_text(client, found, notes)
        rows = [i for i, p in enumerate(passages) if p is not None]
        if not rows:
            return []
        taxonomy, phrase_vectors, owner = self._taxonomy_vectors()
        kept = [p for p in passages if p is not None]
        sims = similarity(vectors[rows], phrase_vectors, owner, len(taxonomy))
        named = find_themes(notes, kept, sims, taxonomy)
        return combine(named, emergent_themes(notes, kept, vectors[rows]))

    def summary(self, note: Note, limit: int = 3) -> list[str]:
        """Extractive summary: the note's most central sentences, in their original order (redacted)."""
        import numpy as np

        sents = sentences(note.redacted)
        if len(sents) <= limit:
            return sents
        vectors = self._ctx.embed(note.client_id, sents)
        scores = vectors @ vectors.mean(axis=0)
        return [sents[i] for i in sorted(np.argsort(-scores)[:limit])]

    # questions ------------------------------------------------------------------------------------
    def _context_passages(self, client: Client, themes: list[Theme], open_commitments: list[Commitment], limit: int = 6) -> list[Passage]:
        """What the model is shown: passages of the latest session, the passages holding the two most
        recent open commitments, then the best passage per recurring theme (found by position)."""
        ctx = self._ctx
        notes = ctx.store.notes(client.id)
        if not notes:
            return []
        chosen = ctx.passages(notes[-1])[:3]
        seen = {(p.note_id, p.chunk) for p in chosen}
        wanted = [(c.note_id, c.chunk) for c in sorted(open_commitments, key=lambda c: c.date, reverse=True)[:2]]
        for theme in themes:
            wanted += [(ev.note_id, ev.chunk) for ev in theme.evidence[:1]]
        for position in wanted:
            if len(chosen) >= limit:
                break
            if position in seen:
                continue
            found = ctx.passage(client, *position)
            if found is not None:
                chosen.append(found)
                seen.add(position)
        return chosen[:limit]

    def _bank(self, client: Client, themes: list[Theme], context: list[Passage]) -> list[tuple[float, BankQuestion, Theme | None]]:
        import numpy as np

        from reflect.core.questions import rank_bank

        if self._bank_vectors is None:
            bank = self._ctx.prompts.question_bank()
            self._bank_vectors = (bank, self._ctx.components.embedder.embed([q.text for q in bank]))
        bank, vectors = self._bank_vectors
        context_vector = None
        if context:
            v = self._ctx.embed(client.id, [p.text for p in context]).mean(axis=0)
            context_vector = v / max(float(np.linalg.norm(v)), 1e-9)
        return rank_bank(bank, vectors, themes, context_vector)

    def questions(
        self, client: Client, themes: list[Theme] | None = None, on_text: OnText = None, cancelled: Cancelled = None,
        commitments: list[Commitment] | None = None,
    ) -> QuestionSet:
        """Five reflection questions: the model's that pass validation, topped up from the bank."""
        from reflect.core.questions import fill_from_bank, format_passages, schema, validate

        ctx = self._ctx
        self._has_notes(client)
        themes = self.themes(client) if themes is None else themes
        if commitments is None:
            commitments = self._commitments.open(client)
        context = self._context_passages(client, themes, [c for c in commitments if c.status == "open"])
        messages = ctx.prompts.template("questions").messages(
            themes=", ".join(t.label for t in themes[:5]) or "none yet", passages=format_passages(context), count=QUESTION_COUNT
        )
        known = ctx.map(client).placeholders()
        generation = ctx.ask(client, "questions", messages, schema(len(context), QUESTION_COUNT), on_text, cancelled)
        result = validate(generation.text, context, known, ctx.leak_check(client), QUESTION_COUNT)
        accepted = result.accepted
        fallback = [Evidence(p.note_id, p.date, p.text, p.chunk) for p in context]
        questions = fill_from_bank(accepted, self._bank(client, themes, context), fallback, QUESTION_COUNT)
        replaced = len(questions) - len(accepted)
        if not result.schema_valid:
            status = f"the model's answer was not valid JSON ({generation.stop}); all {replaced} questions come from the question bank"
        elif replaced:
            reasons = sorted({r for r, _ in result.rejected}) or ["too few questions"]
            status = f"{len(accepted)} from the model; {replaced} from the question bank (model output rejected: {', '.join(reasons)})"
        else:
            status = "all questions from the model, each validated"
        return QuestionSet(questions, status, result.rejected, generation)

    # briefs -------------------------------------------------------------------------------------
    def prep(self, client: Client, on_text: OnText = None, cancelled: Cancelled = None) -> PrepBrief:
        notes = self._has_notes(client)
        themes = self.themes(client)
        latest = notes[-1].id
        every = self._commitments.list(client)
        commitments = [
            c for c in every
            if c.note_id != latest and (c.status == "open" or any(e[0] == latest for e in c.evidence))
        ]
        commitments += [c for c in every if c.note_id == latest]  # agreed last time
        qs = self.questions(client, themes, on_text=on_text, cancelled=cancelled, commitments=commitments)
        return PrepBrief(client, notes[-1], self.summary(notes[-1]), themes, qs.questions, qs.status, commitments)

    def followup(self, client: Client, note_id: int | None = None, on_text: OnText = None, cancelled: Cancelled = None) -> Followup:
        """Follow-up questions and a recap draft for one session (the latest by default)."""
        from reflect.core.questions import fill_from_bank, format_passages, validate

        ctx = self._ctx
        notes = self._has_notes(client)
        note = ctx.note(client, note_id) if note_id is not None else notes[-1]
        context = ctx.passages(note)[:6]
        count = FOLLOWUP_COUNT
        messages = ctx.prompts.template("followup").messages(passages=format_passages(context), count=count)
        generation = ctx.ask(client, "followup", messages, _followup_schema(len(context), count), on_text, cancelled)
        known = ctx.map(client).placeholders()
        leaks = ctx.leak_check(client)
        result = validate(generation.text, context, known, leaks, count)
        recap = ""
        try:
            recap = " ".join(str(json.loads(generation.text).get("recap", "")).split())
        except (ValueError, AttributeError):
            pass
        if not recap or leaks(recap) or "http" in recap.lower() or any(p not in known for p in PLACEHOLDER_RE.findall(recap)):
            recap = " ".join(self.summary(note))
            recap_source = "extractive (model recap rejected)"
        else:
            recap_source = "model"
        themes = self.themes(client)
        fallback = [Evidence(p.note_id, p.date, p.text, p.chunk) for p in context]
        questions = fill_from_bank(result.accepted, self._bank(client, themes, context), fallback, count)
        status = f"{len(result.accepted)} questions from the model, {count - len(result.accepted)} from the bank; recap: {recap_source}"
        return Followup(note, questions, recap, status)
