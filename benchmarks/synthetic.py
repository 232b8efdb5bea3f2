"""Synthetic coaching notes for benchmarks: fictional names, coaching shorthand, ~1,500 characters.

Deterministic (seeded) so every run measures the same text."""

from __future__ import annotations

import random

FIRST = ["Maria", "Raj", "Chen", "Aisling", "Kwame", "Sofia", "Tom", "Yuki", "Fatima", "Lars", "Priya", "Dmitri"]
LAST = ["Gonzalez", "Patel", "Wei", "O'Brien", "Mensah", "Rossi", "Becker", "Tanaka", "Haddad", "Nilsson", "Raman", "Volkov"]
ORGS = ["Northwind Analytics", "Brightline Logistics", "Fernhill Studio", "Acme Corp", "Bluewave Health"]
SENTENCES = [
    "{p} said the week was back-to-back meetings and she had no time to think about strategy.",
    "We explored why delegating the weekly report to {q} still feels risky to {p}.",
    "{p} described a tense exchange with the CFO about headcount in the exec meeting.",
    "The 360 results showed the team wants more clarity on priorities and fewer late changes.",
    "{p} noticed the impostor voice again before presenting to the board at {o}.",
    "She agreed to block two mornings a week for planning and protect them from meetings.",
    "Sleep has been poor and energy is low; {p} is worried about burnout before year end.",
    "{q} is taking over the metrics deck next sprint, which {p} finds hard to let go of.",
    "We talked about what good enough looks like and where perfectionism costs her time.",
    "{p} wants to have the difficult conversation with {q} about missed deadlines.",
    "Home is busier: the kids have exams and {p} wants to be home for dinner three nights a week.",
    "Next step: {p} will draft options rather than a single number for the budget review.",
    "The reorganisation at {o} may double her scope, and she is excited and scared.",
    "{p} reflected on feedback that the team feels micromanaged during busy weeks.",
]


def person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def note(rng: random.Random, target_chars: int = 1500) -> str:
    p, q, o = person(rng), rng.choice(FIRST), rng.choice(ORGS)
    parts: list[str] = []
    while sum(len(s) + 1 for s in parts) < target_chars:
        parts.append(rng.choice(SENTENCES).format(p=rng.choice([p, p.split()[0], p.split()[0].lower()]), q=q, o=o))
        if len(parts) % 4 == 0:
            parts.append("\n\n")
    return " ".join(parts).replace(" \n\n ", "\n\n").strip()


def notes(n: int, seed: int = 42, target_chars: int = 1500) -> list[str]:
    rng = random.Random(seed)
    return [note(rng, target_chars) for _ in range(n)]
