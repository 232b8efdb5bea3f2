"""What a coach reads before and after a session: search, recurring themes, an extractive summary,
reflection questions, the prep brief and the follow-up. Model calls go through ``Context.ask`` (the
one door: checked, recorded, then sent); what the model returns is validated, and the question bank
fills what it does not get right. Passages are found again by position (note id, chunk).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from datetime import date
from typing import TYPE_CHECKING, Any

from reflect.core.chunking import sentences, stands_alone, substantive
from reflect.core.domain import Client, Commitment, Evidence, Note, Passage, PrepBrief, Question, Theme
from reflect.core.errors import InputError
from reflect.core.material import Anchor
from reflect.core.redaction.gate import PLACEHOLDER_RE
from reflect.core.services.commitments import Commitments
from reflect.core.services.context import Cancelled, Context, OnText
from reflect.core.services.goals import Goals
from reflect.core.services.results import Followup, QuestionSet

if TYPE_CHECKING:
    import numpy as np

    from reflect.core.llm import Generation
    from reflect.core.prompts import BankQuestion, TaxonomyTheme

QUESTION_COUNT = 5
#: An emergent theme whose evidence matches a taxonomy theme this well on average (each sentence's best
#: phrase or example, MiniLM cosine) is named with that theme in front ("Delegation: triage call").
NEAR_TAXONOMY = 0.5
#: Sentence vectors kept in memory across calls (about 1.5 KB each); beyond this the cache starts over.
SENTENCE_CACHE = 200_000


def _pronoun(texts: Iterable[str]) -> str:
    """The pronoun a coach's notes use for the client: "she" or "he", whichever they use more (a quote
    introduced by the other one is someone else's words)."""
    she = he = 0
    for text in texts:
        she += len(re.findall(r"\b(?:she|her|hers|herself)\b", text, re.IGNORECASE))
        he += len(re.findall(r"\b(?:he|him|his|himself)\b", text, re.IGNORECASE))
    return "he" if he > she else "she"


def _around(text: str, said: str | None) -> str:
    """A passage shortened for display so that the client's words a question quotes stay in view."""
    from reflect.core.themes import EVIDENCE_CHARS, quote

    at = text.find(said) if said else -1
    if at < 0 or at + len(said or "") < EVIDENCE_CHARS - 10:
        return quote(text)
    stop = text.rfind(". ", 0, at)
    start = stop + 2 if stop >= 0 and at - stop < EVIDENCE_CHARS // 2 else text.rfind(" ", 0, max(at - 24, 0)) + 1
    return ("…" if start > 0 else "") + quote(text[start:], EVIDENCE_CHARS - 1)

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
    def __init__(self, ctx: Context, commitments: Commitments, goals: Goals | None = None) -> None:
        self._ctx = ctx
        self._commitments = commitments
        self._goals = goals
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
        units, unit_vectors = self._sentences(client, notes)
        emergent = emergent_themes(notes, units, unit_vectors)
        if emergent:
            self._name(client, emergent)
        return combine(named, emergent)

    def _sentences(self, client: Client, notes: list[Note]) -> tuple[list[Passage], np.ndarray]:
        """Every sentence of ``notes`` that says something (``chunking.substantive``: no header line) at its
        position (note, passage), and its vector through the embedder door; vectors are kept for the life of
        the practice, by note and text."""
        import hashlib

        import numpy as np

        ctx = self._ctx
        units: list[Passage] = []
        for note in notes:
            chunks = ctx.passages(note)
            at = 0
            for sentence in sentences(note.redacted):  # a line break ends a sentence here; a passage joins lines
                while at < len(chunks) - 1 and sentence not in chunks[at].text:
                    at += 1
                if substantive(sentence):  # not a header line: "Session 3 | 13 May" recurs in every note
                    units.append(Passage(note.id, note.date.isoformat(), sentence, chunks[at].chunk if chunks else 0))
        keys = [(client.id, u.note_id, hashlib.blake2b(u.text.encode(), digest_size=16).hexdigest()) for u in units]
        cache = ctx.sentence_vectors
        if len(cache) > SENTENCE_CACHE:
            cache.clear()
        vectors = [cache.get(k) for k in keys]
        missing = [i for i, v in enumerate(vectors) if v is None]
        fresh = ctx.embed(client.id, [units[i].text for i in missing]) if missing else None
        for i, row in zip(missing, fresh if fresh is not None else []):
            cache[keys[i]] = vectors[i] = row
        if not units:
            return [], np.zeros((0, 0), np.float32)
        return units, np.stack(vectors)  # type: ignore[arg-type]  # every row filled above

    def _name(self, client: Client, emergent: list[Theme]) -> None:
        """Name each emergent theme from its own evidence: the noun phrase its sentences share most (and
        closest in meaning to them), behind the taxonomy theme its sentences match best when they match
        one well ("Delegation: triage call"). A theme with no such phrase keeps its keyphrases."""
        import numpy as np

        from reflect.core.domain import PLACEHOLDER_RE
        from reflect.core.phrases import bare, tidy
        from reflect.core.themes import similarity

        ctx = self._ctx
        taxonomy, phrase_vectors, owner = self._taxonomy_vectors()
        quotes = [[ev.text for ev in t.evidence] for t in emergent]
        found = ctx.components.phrases.noun_phrases([" … ".join(q) for q in quotes])
        for theme, texts, phrases in zip(emergent, quotes, found):
            names = sorted({bare(x) for x in phrases if not PLACEHOLDER_RE.search(x) and len(bare(x)) > 3 and tidy(bare(x))})  # "3 April" → "April": no name
            if not texts:
                continue
            vectors = ctx.embed(client.id, texts + names)
            evidence = vectors[: len(texts)]
            fit = similarity(evidence, phrase_vectors, owner, len(taxonomy)).mean(axis=0)
            top = int(np.argmax(fit))
            kind = taxonomy[top].label if float(fit[top]) >= NEAR_TAXONOMY else None
            heads = [re.compile(rf"\b{re.escape(n.split()[-1].lower())}\b") for n in names]
            spread = [sum(bool(h.search(t.lower())) for t in texts) for h in heads]
            # a lone word names a theme when its quotes share it ("Kids"); seen once it is a passing word ("Shrug"),
            # kept only when there is nothing better (a list of unrelated words is never a name)
            usable = [i for i, n in enumerate(names) if len(n.split()) > 1 or spread[i] >= 2] or list(range(len(names)))
            if usable:
                centre = evidence.mean(axis=0)
                centre = centre / max(float(np.linalg.norm(centre)), 1e-9)
                scores = vectors[len(texts):] @ centre
                best = max(usable, key=lambda i: (float(scores[i]) + 0.08 * (spread[i] - 1) + 0.02 * min(len(names[i].split()), 3), -i))
                phrase = names[best]
                theme.label = f"{kind}: {phrase}" if kind else phrase[:1].upper() + phrase[1:]
            elif kind:
                theme.label = kind
            theme.description = f"emergent: found in this client's sessions, named from its evidence ({', '.join(theme.keyphrases)})"

    def summary(self, note: Note, limit: int = 3) -> list[str]:
        """Extractive summary of one note (redacted): its most central sentences that make sense on their
        own, the most central first (the session's main news), then the others in the note's order."""
        import numpy as np

        sents = sentences(note.redacted)
        alone = [i for i, s in enumerate(sents) if stands_alone(s)] or list(range(len(sents)))
        if len(alone) <= 1:
            return [sents[i] for i in alone]
        vectors = self._ctx.embed(note.client_id, [sents[i] for i in alone])
        scores = vectors @ vectors.mean(axis=0)
        ranked = [alone[i] for i in np.argsort(-scores)[:limit]]
        return [sents[ranked[0]]] + [sents[i] for i in sorted(ranked[1:])]

    # questions ----------------------------------------------------------------------------------------
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

    def anchors(self, client: Client, themes: list[Theme], note_id: int | None = None) -> dict[int, Anchor]:
        """For each theme, a phrase of its latest passage (or of its passage in ``note_id``) that stands
        for the theme: the noun phrase closest in meaning to the theme's label and evidence. A passage of
        the last three that quotes the client is preferred, and its quoted words go with the anchor."""
        from reflect.core.material import client_words
        from reflect.core.phrases import bare

        ctx = self._ctx
        recent: list[tuple[Theme, list[Passage]]] = []
        for theme in themes:
            where = [s for s in theme.sessions if note_id is None or s.note_id == note_id]
            held = [p for s in where[::-1][:3] if (p := ctx.passage(client, s.note_id, s.chunk)) is not None]
            if held:
                recent.append((theme, held))
        # the client's pronoun, judged from these passages and the themes' quotes (no second read of the notes)
        pronoun = _pronoun([p.text for _, held in recent for p in held] + [ev.text for t in themes for ev in t.evidence])
        # the latest passage, or a recent one that quotes the client (their words make the question)
        wanted = [(theme, next((p for p in held if client_words(p.text, pronoun)), held[0])) for theme, held in recent]
        if not wanted:
            return {}
        candidates = ctx.components.phrases.noun_phrases([p.text for _, p in wanted])
        texts: list[str] = []
        for (theme, _), phrases in zip(wanted, candidates):
            texts += [theme.label, *(ev.text for ev in theme.evidence)] + phrases
        vectors = ctx.embed(client.id, texts)
        out: dict[int, Anchor] = {}
        row = 0
        for (theme, passage), phrases in zip(wanted, candidates):
            head = 1 + len(theme.evidence)
            centre = vectors[row : row + head].mean(axis=0)
            if phrases:
                scores = vectors[row + head : row + head + len(phrases)] @ centre
                # a phrase whose head word the theme's other quotes share stands for the theme, not for one passage
                quotes = [ev.text.lower() for ev in theme.evidence]
                spread = [sum(bool(re.search(rf"\b{re.escape(bare(x).split()[-1].lower())}\b", q)) for q in quotes) for x in phrases]
                best = max(range(len(phrases)), key=lambda i: (float(scores[i]) + 0.04 * min(len(bare(phrases[i]).split()), 3) + 0.15 * (spread[i] >= 2), -i))
                said = client_words(passage.text, pronoun)
                out[id(theme)] = Anchor(phrases[best], Evidence(passage.note_id, passage.date, _around(passage.text, said), passage.chunk), said)
            row += head + len(phrases)
        return out

    def _model_questions(
        self, client: Client, themes: list[Theme], open_commitments: list[Commitment], on_text: OnText, cancelled: Cancelled,
    ) -> tuple[list[Question], list[tuple[str, str]], Generation | None, str]:
        """The model's questions when it is asked to write (``Components.model_writes``), validated."""
        from reflect.core.questions import format_passages, schema, validate

        ctx = self._ctx
        if not ctx.components.model_writes:
            return [], [], None, "not asked (the shipped default model cannot write useful questions; set model in config.toml)"
        context = self._context_passages(client, themes, open_commitments)
        messages = ctx.prompts.template("questions").messages(
            themes=", ".join(t.label for t in themes[:5]) or "none yet", passages=format_passages(context), count=QUESTION_COUNT
        )
        generation = ctx.ask(client, "questions", messages, schema(len(context), QUESTION_COUNT), on_text, cancelled)
        result = validate(generation.text, context, ctx.map(client).placeholders(), ctx.leak_check(client), QUESTION_COUNT, self._generic())
        for q in result.accepted:
            q.why = f"written by the model ({ctx.components.llm.name}) from note {q.evidence[0].note_id}; passed every check"
        if not result.schema_valid:
            note = f"answer was not valid JSON ({generation.stop})"
        else:
            reasons = sorted({r for r, _ in result.rejected})
            note = f"{len(result.accepted)} accepted" + (f", rejected: {', '.join(reasons)}" if reasons else "")
        return result.accepted, result.rejected, generation, note

    def _goal_questions(self, client: Client, limit: int = 1) -> list[Question]:
        """A question on the open goal the sessions touched most recently (none without goals)."""
        from reflect.core.material import goal_question

        if self._goals is None or not self._goals.for_insight(client):
            return []
        live = [g for g in self._goals.progress(client).goals if g.goal.status == "open" and g.evidence is not None]
        live.sort(key=lambda g: g.evidence.date if g.evidence else "", reverse=True)
        out = [q for q in (goal_question(g) for g in live) if q is not None]
        return out[:limit]

    def _generic(self) -> Callable[[str], bool]:
        """True for a question that is a question-bank question in other words."""
        from reflect.core.questions import near_duplicate

        bank = [q.text for q in self._ctx.prompts.question_bank()]
        return lambda text: any(near_duplicate(text, b, 0.6) for b in bank)

    def _compose(
        self, client: Client, groups: list[list[Question]], themes: list[Theme], context: list[Passage], count: int,
    ) -> tuple[list[Question], Question | None]:
        """Take the specific questions in turns (a commitment, the model's, a theme…), then top up from the
        question bank ranked by this client's themes and latest passages; and choose an opening question
        that is none of them."""
        from reflect.core.questions import near_duplicate

        out: list[Question] = []
        for turn in range(max((len(g) for g in groups), default=0)):
            for group in groups:
                if turn < len(group) and len(out) < count and not any(near_duplicate(group[turn].text, q.text) for q in out):
                    out.append(group[turn])
        ranked = self._bank(client, themes, context)
        fallback = [Evidence(p.note_id, p.date, p.text, p.chunk) for p in context]
        opening: Question | None = None
        for _score, bq, theme in ranked:
            if any(near_duplicate(bq.text, q.text) for q in out):
                continue
            if opening is None and bq.theme is None and bq.stage in ("goal", "reality"):
                opening = Question(bq.text, "bank", fallback[:1], why="an opener from the question bank: lets the client bring what matters today")
                continue
            if len(out) >= count:
                continue
            evidence = list(theme.evidence[:1]) if theme and theme.evidence else fallback[:1]
            why = f"question bank, for the recurring theme “{theme.label}”" if theme else "question bank, closest in meaning to the latest session"
            out.append(Question(bq.text, "bank", evidence, why=why))
        return out, opening

    def questions(
        self, client: Client, themes: list[Theme] | None = None, on_text: OnText = None, cancelled: Cancelled = None,
        commitments: list[Commitment] | None = None,
    ) -> QuestionSet:
        """Five questions for the next session: open commitments asked back in their own words, recurring
        themes asked through their latest evidence, the model's (when it writes, validated), then the
        question bank for what is left. Each question names its source and says why."""
        from reflect.core.material import commitment_questions, theme_questions

        self._has_notes(client)
        themes = self.themes(client) if themes is None else themes
        if commitments is None:
            commitments = self._commitments.open(client)
        open_ = [c for c in commitments if c.status == "open"]
        own = commitment_questions(open_, limit=3)
        about = theme_questions(themes, self.anchors(client, themes[:6]), limit=4)
        aims = self._goal_questions(client)
        model, rejected, generation, model_note = self._model_questions(client, themes, open_, on_text, cancelled)
        context = self._context_passages(client, themes, open_)
        questions, opening = self._compose(client, [own, aims, model, about], themes, context, QUESTION_COUNT)
        counts = {src: sum(q.source == src for q in questions) for src in ("commitment", "goal", "theme", "model", "bank")}
        made = "; ".join(f"{n} from {'the ' if src in ('model', 'question bank') else ''}{label}" for src, label, n in (
            ("commitment", "open commitments", counts["commitment"]), ("goal", "the engagement's goals", counts["goal"]),
            ("theme", "recurring themes", counts["theme"]),
            ("model", "model", counts["model"]), ("bank", "question bank", counts["bank"]),
        ) if n)
        return QuestionSet(questions, f"{made}. Model: {model_note}", rejected, generation, opening)

    # briefs -------------------------------------------------------------------------------------
    def _model_names(self, client: Client, themes: list[Theme], on_text: OnText, cancelled: Cancelled) -> int:
        """When the model writes: it names the emergent themes (2–5 words, under a schema); a name is
        kept only if it names nobody and is about its quotes (a shared word, or close in meaning).
        Returns how many names were kept."""
        import numpy as np

        from reflect.core.questions import grounded
        from reflect.core.themes import quote

        ctx = self._ctx
        emergent = [t for t in themes if t.keyphrases][:6]
        if not emergent or not ctx.components.model_writes:
            return 0
        listing = "\n".join(f"{i}. " + " | ".join(quote(ev.text, 160) for ev in t.evidence[:3]) for i, t in enumerate(emergent, 1))
        schema = {
            "type": "object",
            "properties": {"names": {"type": "array", "minItems": 1, "maxItems": len(emergent), "items": {
                "type": "object",
                "properties": {"theme": {"type": "integer", "enum": list(range(1, len(emergent) + 1))}, "name": {"type": "string", "minLength": 3, "maxLength": 60}},
                "required": ["theme", "name"],
            }}},
            "required": ["names"],
        }
        generation = ctx.ask(client, "theme names", ctx.prompts.template("theme_names").messages(themes=listing), schema, on_text, cancelled)
        try:
            items = json.loads(generation.text)["names"]
            assert isinstance(items, list)
        except (ValueError, KeyError, TypeError, AssertionError):
            return 0
        leaks = ctx.leak_check(client)
        kept = 0
        for item in items:
            if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not isinstance(item.get("theme"), int):
                continue
            k, name = item["theme"], " ".join(item["name"].split()).strip(" .\"'")
            if not (1 <= k <= len(emergent)) or not (2 <= len(name.split()) <= 5) or PLACEHOLDER_RE.search(name) or "[" in name or leaks(name):
                continue
            theme = emergent[k - 1]
            texts = [ev.text for ev in theme.evidence]
            vectors = ctx.embed(client.id, [name, *texts])
            close = float(vectors[0] @ (vectors[1:].mean(axis=0) / max(float(np.linalg.norm(vectors[1:].mean(axis=0))), 1e-9)))
            if not (any(grounded(name + "?", t) for t in texts) or close >= 0.35):
                continue
            theme.label = name[:1].upper() + name[1:]
            theme.description = "emergent: found in this client's sessions, named by the model (checked against its quotes)"
            kept += 1
        return kept

    def _tie_to_goals(self, client: Client, themes: list[Theme]) -> None:
        """Each theme learns the engagement goal its quotes are closest to, when close enough (the
        progress view's threshold), so the brief shows what a theme means for why the client came."""
        import numpy as np

        from reflect.core.progress import THRESHOLD

        goals = self._goals.for_insight(client) if self._goals is not None else []
        if not goals or not themes:
            return
        goal_vectors = self._goals.vectors(client, goals) if self._goals is not None else None
        for theme in themes:
            texts = [ev.text for ev in theme.evidence]
            if not texts or goal_vectors is None:
                continue
            centre = self._ctx.embed(client.id, texts).mean(axis=0)
            centre = centre / max(float(np.linalg.norm(centre)), 1e-9)
            scores = goal_vectors @ centre
            best = int(np.argmax(scores))
            if float(scores[best]) >= THRESHOLD:
                theme.goal = goals[best].text

    def prep(self, client: Client, on_text: OnText = None, cancelled: Cancelled = None) -> PrepBrief:
        notes = self._has_notes(client)
        themes = self.themes(client)
        self._tie_to_goals(client, themes)
        self._model_names(client, themes, on_text, cancelled)
        latest = notes[-1].id
        every = self._commitments.list(client)
        commitments = [
            c for c in every
            if c.note_id != latest and (c.status == "open" or any(e[0] == latest for e in c.evidence))
        ]
        commitments += [c for c in every if c.note_id == latest]  # agreed last time
        qs = self.questions(client, themes, on_text=on_text, cancelled=cancelled, commitments=commitments)
        return PrepBrief(client, notes[-1], self.summary(notes[-1]), themes, qs.questions, qs.status, commitments, qs.opening)

    def followup(self, client: Client, note_id: int | None = None, on_text: OnText = None, cancelled: Cancelled = None) -> Followup:
        """After a session: questions from what was agreed in it and the themes it touched, and a recap
        from its own sentences (the model drafts the recap only when it writes, and is checked)."""
        from reflect.core.material import followup_questions

        ctx = self._ctx
        notes = self._has_notes(client)
        note = ctx.note(client, note_id) if note_id is not None else notes[-1]
        context = ctx.passages(note)[:6]
        themes = [t for t in self.themes(client) if any(s.note_id == note.id for s in t.sessions)]
        agreed = [c for c in self._commitments.list(client) if c.note_id == note.id]
        anchors = self.anchors(client, themes, note_id=note.id)
        own = followup_questions(agreed, themes, anchors, limit=FOLLOWUP_COUNT)
        # each sentence closed by a stop, so that a line of shorthand joined to the next still reads (and is
        # restored, names as written, sentence by sentence)
        recap = " ".join(x if x.rstrip().endswith((".", "!", "?", "…")) else x.rstrip() + "." for x in self.summary(note))
        recap_source = "its own sentences (extractive)"
        model: list[Question] = []
        model_note = "not asked (the shipped default model cannot write a faithful recap; set model in config.toml)"
        if ctx.components.model_writes:
            model, recap, recap_source, model_note = self._model_followup(client, context, recap, on_text, cancelled)
        questions, _ = self._compose(client, [own, model], themes, context, FOLLOWUP_COUNT)
        counts = {src: sum(q.source == src for q in questions) for src in ("commitment", "theme", "model", "bank")}
        made = ", ".join(f"{n} {src}" for src, n in counts.items() if n)
        status = f"questions: {made}; recap: {recap_source}. Model: {model_note}"
        return Followup(note, questions, recap, status, [t.label for t in themes])

    def _model_followup(
        self, client: Client, context: list[Passage], extractive: str, on_text: OnText, cancelled: Cancelled,
    ) -> tuple[list[Question], str, str, str]:
        from reflect.core.questions import format_passages, validate

        ctx = self._ctx
        count = FOLLOWUP_COUNT
        messages = ctx.prompts.template("followup").messages(passages=format_passages(context), count=count)
        generation = ctx.ask(client, "followup", messages, _followup_schema(len(context), count), on_text, cancelled)
        known = ctx.map(client).placeholders()
        leaks = ctx.leak_check(client)
        result = validate(generation.text, context, known, leaks, count, self._generic())
        for q in result.accepted:
            q.why = f"written by the model from note {q.evidence[0].note_id}; passed every check"
        recap = ""
        try:
            recap = " ".join(str(json.loads(generation.text).get("recap", "")).split())
        except (ValueError, AttributeError):
            pass
        if not recap or leaks(recap) or "http" in recap.lower() or any(p not in known for p in PLACEHOLDER_RE.findall(recap)):
            return result.accepted, extractive, "its own sentences (the model's recap was rejected)", f"{len(result.accepted)} questions accepted"
        return result.accepted, recap, "drafted by the model (check it before sending)", f"{len(result.accepted)} questions accepted"
