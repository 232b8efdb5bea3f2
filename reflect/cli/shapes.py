"""The JSON shapes of the CLI contract (README), built in this one module: every ``--json`` output
is a function here, so a field cannot drift between two commands that print the same thing."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from reflect.core.domain import Client, Commitment, Evidence, Goal, GoalProgress, Note, Passage, Person, PrepBrief, Progress, Question, Redaction, Theme
    from reflect.core.services.results import ClientSummary, DoctorCheck, Followup, PromptRecord, Reredaction, RosterEntry

Json = dict[str, Any]
Reid = Callable[[str], str]


def evidence(evs: Iterable[Evidence]) -> list[Json]:
    return [{"note_id": e.note_id, "date": e.date, "text": e.text} for e in evs]


def reredaction(report: Reredaction) -> Json:
    return {"notes_checked": report.notes_checked, "notes_changed": report.notes_changed, "names_caught": report.names_caught,
            "passages_reembedded": report.passages_reembedded}


def client(c: Client) -> Json:
    return {"id": c.id, "name": c.name, "aliases": list(c.aliases)}


def clients(rows: list[ClientSummary]) -> Json:
    return {"clients": [{**client(r.client), "notes": r.notes, "last_session": r.last_session, "people": r.people} for r in rows]}


def roster_change(c: Client, report: Reredaction, **fields: Any) -> Json:
    return {"client": c.id, **fields, "reredaction": reredaction(report)}


def person(p: Person, c: Client, placeholder: str | None, report: Reredaction) -> Json:
    return {"id": p.id, "client": c.id, "name": p.name, "aliases": list(p.aliases), "role": p.role, "kind": p.kind,
            "placeholder": placeholder, "reredaction": reredaction(report)}


def roster(c: Client, entries: list[RosterEntry]) -> Json:
    return {"client": c.id, "entries": [
        {"placeholder": e.placeholder, "type": e.type, "origin": e.origin, "forms": list(e.forms), "role": e.role} for e in entries
    ]}


def notes_added(notes: list[Note]) -> Json:
    return {"notes": [{"id": n.id, "date": n.date.isoformat()} for n in notes]}


def note_list(notes: list[Note]) -> Json:
    return {"notes": [{"id": n.id, "number": i, "date": n.date.isoformat(), "chars": n.chars} for i, n in enumerate(notes, 1)]}


def note(n: Note, c: Client, redacted: bool) -> Json:
    data: Json = {"id": n.id, "client": c.id, "date": n.date.isoformat()}
    data.update({"redacted": n.redacted} if redacted else {"text": n.original})
    return data


def redaction(result: Redaction) -> Json:
    return {
        "redacted": result.redacted,
        "entities": [{"type": e.type, "start": e.start, "end": e.end, "placeholder": e.placeholder} for e in result.entities],
    }


def search(results: list[Passage]) -> Json:
    return {"results": [{"note_id": p.note_id, "date": p.date, "text": p.text, "score": p.score} for p in results]}


def theme(t: Theme) -> Json:
    return {
        "label": t.label,
        "sessions": [{"note_id": s.note_id, "date": s.date, "strength": st} for s, st in zip(t.sessions, t.strengths, strict=True)],
        "evidence": evidence(t.evidence),
        "trend": t.trend,
        "first_seen": t.sessions[0].date,
        "last_seen": t.sessions[-1].date,
        "keyphrases": list(t.keyphrases),
        "source": "emergent" if t.keyphrases else "taxonomy",
        "goal": t.goal or None,
    }


def question(q: Question, reid: Reid) -> Json:
    from reflect.render import asked

    return {"text": q.text, "display": asked(reid, q), "source": q.source, "why": q.why, "evidence": evidence(q.evidence)}


def commitment(c: Commitment, reid: Reid) -> Json:
    return {
        "id": c.id, "note_id": c.note_id, "date": c.date, "text": c.text, "display": reid(c.text),
        "status": c.status, "source": c.source,
        "evidence": [{"note_id": n, "date": d, "text": t} for n, d, t in c.evidence],
    }


def goal(g: Goal, reid: Reid) -> Json:
    return {"id": g.id, "text": g.text, "display": reid(g.text), "status": g.status, "created": g.created, "position": g.position}


def goal_progress(gp: GoalProgress, reid: Reid) -> Json:
    ev = gp.evidence
    return {
        **goal(gp.goal, reid),
        "sessions": [{"note_id": s.note_id, "date": s.date, "strength": st} for s, st in zip(gp.sessions, gp.strengths, strict=True)],
        "evidence": {"note_id": ev.note_id, "chunk": ev.chunk, "date": ev.date, "text": ev.text, "display": reid(ev.text)} if ev else None,
        "commitments": [commitment(c, reid) for c in gp.commitments],
        "commitments_done": gp.done, "commitments_open": gp.open, "commitments_dropped": gp.dropped,
    }


def progress(p: Progress, reid: Reid) -> Json:
    return {"client": p.client.id, "sessions": p.sessions, "goals": [goal_progress(gp, reid) for gp in p.goals]}


def brief(b: PrepBrief, reid: Reid) -> Json:
    return {
        "client": b.client.id,
        "last_session": {"note_id": b.last_note.id, "date": b.last_note.date.isoformat()} if b.last_note else None,
        "summary": b.summary,
        "themes": [theme(t) for t in b.themes],
        "questions": [question(q, reid) for q in b.questions],
        "commitments": [commitment(c, reid) for c in b.commitments],
        "opening": question(b.opening, reid) if b.opening else None,
        "model_status": b.model_status,
    }


def followup(result: Followup, reid: Reid) -> Json:
    from reflect.render import said

    return {
        "note_id": result.note.id, "date": result.note.date.isoformat(),
        "questions": [question(q, reid) for q in result.questions],
        "recap": result.recap, "recap_display": said(reid, result.recap, result.note.id), "model_status": result.status,
        "themes": result.themes,
    }


def prompts(rows: list[PromptRecord]) -> Json:
    return {"prompts": [
        {"at": r.at, "purpose": r.purpose, "prompt": r.prompt, "client": r.client, "names_redacted_since": r.names_redacted_since}
        for r in rows
    ]}


def doctor(checks: list[DoctorCheck]) -> Json:
    return {"ok": not any(ch.ok is False for ch in checks), "checks": [{"name": ch.name, "ok": ch.ok, "detail": ch.detail} for ch in checks]}
