"""Presentation shared by the front ends: the prep brief as Markdown and rich renderables for the CLI
(redaction preview, placeholders highlighted, the theme timeline, question lists, progress on goals). Real names are put
back here, through the ``reid`` callable the caller passes, and only for the coach's screen.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from rich.console import Group
from rich.table import Table
from rich.text import Text

from reflect.core.domain import PLACEHOLDER_RE, GoalProgress, Note, PrepBrief, Progress, Question, Redaction, Theme

Reid = Callable[[str], str]


def said(reid: Reid, text: str, note_id: int) -> str:
    """A quote from note ``note_id``, names as written there when ``reid`` can tell (a Reidentifier)."""
    quote = getattr(reid, "quote", None)
    return str(quote(text, note_id)) if quote is not None else reid(text)


def asked(reid: Reid, question: Question) -> str:
    """A question for the coach's screen: names restored, and the client's words it quotes (“…”) as
    the note wrote them, when the question cites that note."""
    if not question.evidence or "“" not in question.text:
        return reid(question.text)
    note_id = question.evidence[0].note_id
    parts = re.split(r"(“[^”]*”)", question.text)
    return "".join(f"“{said(reid, part[1:-1], note_id)}”" if part.startswith("“") and part.endswith("”") else reid(part) for part in parts)


TREND_MARK = {"new": "✦ new", "rising": "↑ rising", "steady": "→ steady", "fading": "↓ fading", "resolved": "✓ resolved"}


def highlight_placeholders(text: str) -> Text:
    out = Text(text)
    for m in PLACEHOLDER_RE.finditer(text):
        out.stylize("bold black on yellow", m.start(), m.end())
    return out


def redaction_preview(original: str, result: Redaction) -> Group:
    """The original with each identifier highlighted, the table of entities, then the redacted text."""
    marked = Text(original)
    for e in result.entities:
        marked.stylize("bold red underline", e.start, e.end)
    table = Table("type", "found", "becomes", title=f"{len(result.entities)} identifiers")
    for e in result.entities:
        table.add_row(e.type, Text(e.text), e.placeholder)
    return Group(
        Text("Original (identifiers underlined):", style="bold"), marked, Text(""), table, Text(""),
        Text("What the index and the model see:", style="bold"), highlight_placeholders(result.redacted),
    )


def strip(strengths_by_note: dict[int, float], notes: list[Note]) -> Text:
    """A heat strip: one cell per session, darker where the theme is stronger."""
    cells = Text()
    for note in notes:
        s = strengths_by_note.get(note.id)
        if s is None:
            cells.append("·", style="dim")
        else:
            cells.append("█" if s >= 0.45 else "▓" if s >= 0.38 else "▒", style="cyan")
    return cells


def theme_details(theme: Theme, reid: Reid) -> Group:
    """One theme's sessions and its evidence quotes (names restored)."""
    lines = [Text(f"{theme.label} ({len(theme.sessions)} sessions, {theme.trend})", style="bold")]
    if theme.keyphrases:
        lines.append(Text(f"  emergent theme; keyphrases: {', '.join(theme.keyphrases)}", style="dim"))
    for ev in theme.evidence:
        lines.append(Text(f"  “{said(reid, ev.text, ev.note_id)}” — note {ev.note_id}, {ev.date}"))
    return Group(*lines)


def theme_table(client_name: str, notes: list[Note], themes: list[Theme]) -> Table | Text:
    """The timeline: one row per theme, one heat-strip cell per session."""
    if not themes:
        return Text(f"No recurring themes yet for {client_name} ({len(notes)} sessions): a theme recurs once it appears in two sessions.")
    table = Table(title=f"Recurring themes · {client_name} · {len(notes)} sessions ({notes[0].date} → {notes[-1].date})")
    table.add_column("theme")
    table.add_column("sessions", no_wrap=True)
    table.add_column("trend")
    table.add_column("first → last")
    for t in themes:
        strengths = {s.note_id: st for s, st in zip(t.sessions, t.strengths)}
        table.add_row(Text(t.label), strip(strengths, notes), TREND_MARK.get(t.trend, t.trend), f"{t.sessions[0].date} → {t.sessions[-1].date}")
    return table


def theme_timeline(client_name: str, notes: list[Note], themes: list[Theme], reid: Reid) -> Group:
    """The timeline, then every theme's details (for the CLI)."""
    details = [item for t in themes for item in (Text(""), theme_details(t, reid))]
    return Group(theme_table(client_name, notes, themes), *details)


SOURCE = {"commitment": "from a commitment", "theme": "from a recurring theme", "goal": "from a goal", "model": "written by the model", "bank": "question bank"}


def question_list(questions: list[Question], reid: Reid, status: str, opening: Question | None = None) -> Group:
    lines = []
    for i, q in enumerate(questions, start=1):
        cites = ", ".join(f"note {e.note_id} ({e.date})" for e in q.evidence) or "no citation"
        lines.append(Text.assemble((f"{i}. ", "bold"), asked(reid, q), (f"  [{SOURCE.get(q.source, q.source)}; {cites}]", "dim")))
        if q.why:
            lines.append(Text(f"   why: {reid(q.why)}", style="dim"))
    if opening is not None:
        lines.append(Text.assemble(("To open: ", "bold"), reid(opening.text), ("  [question bank]", "dim")))
    lines.append(Text(status, style="dim italic"))
    return Group(*lines)


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~!])")


def md(text: str) -> str:
    """Note text, names or model output inside Markdown, shown as written: "- [x] deck sent [sic]"
    stays that, never a checkbox, a link or emphasis."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def brief_markdown(brief: PrepBrief, reid: Reid) -> str:
    """The prep brief as Markdown, names restored for the coach (every inserted text escaped). Every
    line says where it came from: a note, a theme's sessions, a commitment, the bank or the model."""
    original_reid = reid
    reid = lambda text: md(original_reid(text))  # noqa: E731

    def quoted(text: str, note_id: int) -> str:
        return md(said(original_reid, text, note_id))

    c = brief.client
    out = [f"# Prep brief: {md(c.name)}", ""]
    if brief.last_note:
        out += [f"## Since last session ({brief.last_note.date.isoformat()}, note {brief.last_note.id})", ""]
        out += [f"- {quoted(s, brief.last_note.id)}" for s in brief.summary]
        out += ["", f"_Sentences of note {brief.last_note.id} as you wrote them, the most central first._", ""]
    out += ["## Recurring themes", ""]
    if brief.themes:
        for t in brief.themes[:6]:
            sessions = ", ".join(f"{s.date} (note {s.note_id})" for s in t.sessions)
            kind = "found in these notes" if t.keyphrases else "from your theme list"
            out.append(f"- **{md(t.label)}** — {TREND_MARK.get(t.trend, t.trend)}; {kind}; sessions: {sessions}")
            if t.evidence:
                ev = t.evidence[0]
                out.append(f"  - “{quoted(ev.text, ev.note_id)}” (note {ev.note_id})")
            if t.goal:
                out.append(f"  - bears on the goal: {reid(t.goal)} _(closest of your goals for this client)_")
    else:
        out.append("- none yet (a theme recurs once it appears in two sessions)")
    out += ["", "## Commitments: did it happen?", ""]
    if brief.commitments:
        mark = {"open": "☐ open", "done": "☑ done", "dropped": "✗ dropped"}
        for item in brief.commitments:
            who = "status set by you" if item.source == "coach" else "status inferred from later notes"
            out.append(f"- {mark.get(item.status, item.status)}: {quoted(item.text, item.note_id)} _(agreed {item.date}, note {item.note_id}; id {item.id}; {who})_")
            for note_id, day, text in item.evidence[:1]:
                out.append(f"  - later: “{quoted(text, note_id)}” (note {note_id}, {day})")
    else:
        out.append("- none found in the notes")
    out += ["", "## Questions for the next session", ""]
    if brief.opening is not None:
        out += [f"**To open:** {reid(brief.opening.text)} _(question bank: an opener)_", ""]
    for i, q in enumerate(brief.questions, start=1):
        cites = ", ".join(f"note {e.note_id}, {e.date}" for e in q.evidence) or "no citation"
        out.append(f"{i}. {md(asked(original_reid, q))} _({SOURCE.get(q.source, q.source)}; {cites})_")
        if q.why:
            out.append(f"   - _why: {reid(q.why)}_")
    out += ["", f"_{md(brief.model_status)}. Everything the model saw was redacted; `reflect audit` shows it._", ""]
    return "\n".join(out)


GOAL_MARK = {"open": "○ open", "achieved": "✓ achieved", "dropped": "✗ dropped"}


def goal_details(gp: GoalProgress, sessions: int, reid: Reid) -> Group:
    """One goal: its status, the sessions that talk about it, the latest such passage and the
    commitments that serve it (names restored). Every piece of text is data, never markup."""
    g = gp.goal
    lines = [Text.assemble((f"{g.id}. ", "bold"), (reid(g.text), "bold"), f"  {GOAL_MARK.get(g.status, g.status)}, since {g.created}")]
    if gp.sessions:
        dates = ", ".join(s.date for s in gp.sessions[-4:]) + (" …" if len(gp.sessions) > 4 else "")
        lines.append(Text(f"  talked about in {len(gp.sessions)} of {sessions} sessions ({dates})"))
    else:
        lines.append(Text(f"  not talked about in any of {sessions} sessions yet", style="dim"))
    if gp.evidence is not None:
        lines.append(Text(f"  latest: “{reid(gp.evidence.text)}” — note {gp.evidence.note_id}, {gp.evidence.date}"))
    if gp.commitments:
        lines.append(Text(f"  commitments: {gp.done} done, {gp.open} open, {gp.dropped} dropped"))
        for c in gp.commitments[-5:]:
            lines.append(Text(f"    [{c.status}] {reid(c.text)} ({c.date})"))
    else:
        lines.append(Text("  no commitment serves it yet", style="dim"))
    return Group(*lines)


def progress_view(progress: Progress, reid: Reid) -> Group | Text:
    """Every goal of the engagement with its progress, for the CLI and the app."""
    if not progress.goals:
        return Text(f"No goals written down for {progress.client.name} yet: why did they come?")
    parts: list[Group | Text] = [Text(f"Progress of {progress.client.name} on {len(progress.goals)} goal(s) over {progress.sessions} session(s)\n", style="bold")]
    for gp in progress.goals:
        parts += [goal_details(gp, progress.sessions, reid), Text("")]
    return Group(*parts)
