"""Build the coaching-notes redaction set: fictional client histories written from templates and
Faker's fake people, with every direct identifier's span recorded.

    .venv/bin/python benchmarks/coaching_set.py      # rewrites benchmarks/data/coaching_notes.json

Deterministic (seeded). Each client has a roster (partner, child, boss, colleague, employer) that the
coach registers, as reflect expects; notes also mention people who are on no roster. Names come in the
forms coaches type: full, first name only, lower-case shorthand, ALL CAPS, possessive, nickname,
initial + surname, and from many locales. Notes carry contact details, addresses, ids, ages and
personal dates among ordinary coaching content.
"""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from pathlib import Path

from faker import Faker

OUT = Path(__file__).resolve().parent / "data" / "coaching_notes.json"
LOCALES = ["en_US", "en_GB", "en_IN", "en_NG", "es_MX", "pt_BR", "de_DE", "fr_FR", "it_IT", "pl_PL", "tr_TR",
           "vi_VN", "id_ID", "ga_IE", "fi_FI", "nl_NL", "sv_SE", "sw", "fil_PH", "cs_CZ"]

CONTENT = [
    "We spent most of the hour on delegation and what she is still holding on to.",
    "The board meeting went better than expected; the CFO backed the plan.",
    "Energy is low and sleep is poor; burnout came up again.",
    "The 360 results were mixed: the team wants clearer priorities.",
    "Impostor feelings showed up before the all-hands presentation.",
    "We explored what good enough looks like for the quarterly report.",
    "Back-to-back meetings leave no time for strategy.",
    "Agreed to block two mornings a week for deep work.",
    "Difficult conversation about missed deadlines is still being avoided.",
    "Talked about boundaries: no e-mail after 8pm for two weeks.",
    "Reorganisation rumours are making the team anxious.",
    "Next step: draft three options for the budget review rather than one number.",
    "Feels micromanaged by the new VP and unsure how to raise it.",
    "Wants more visibility with senior leadership and a sponsor.",
]


class Note:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.identifiers: list[dict] = []

    def text(self, s: str) -> None:
        self.parts.append(s)

    def ident(self, s: str, kind: str, on_roster: bool) -> None:
        start = sum(len(p) for p in self.parts)
        self.parts.append(s)
        self.identifiers.append({"start": start, "end": start + len(s), "text": s, "type": kind, "on_roster": on_roster})

    def done(self) -> dict:
        return {"text": "".join(self.parts), "identifiers": self.identifiers}


def name_form(rng: random.Random, full: str, nickname: str | None) -> str:
    first, last = full.split()[0], full.split()[-1]
    forms = [full, first, first, first.lower(), first.upper(), f"{first[0]}. {last}", full.lower()]
    if nickname:
        forms += [nickname, nickname.lower()]
    return rng.choice(forms)


def clean_name(fake: Faker) -> str:
    for _ in range(20):
        n = f"{fake.first_name()} {fake.last_name()}"
        if all(part.replace("-", "").replace("'", "").isalpha() for part in n.split()) and len(n.split()) == 2:
            return n
    return "Alex Morgan"


def build(clients: int = 50, seed: int = 20261128) -> dict:
    rng = random.Random(seed)
    Faker.seed(seed)
    out = []
    for _c in range(clients):
        fake = Faker(rng.choice(LOCALES))
        fake_en = Faker("en_GB")
        client = clean_name(fake)
        nickname = client.split()[0][:3] if len(client.split()[0]) > 5 and rng.random() < 0.5 else None
        roster = [
            {"name": clean_name(fake), "role": "partner"},
            {"name": fake.first_name(), "role": "daughter"},
            {"name": clean_name(Faker(rng.choice(LOCALES))), "role": "boss"},
            {"name": clean_name(Faker(rng.choice(LOCALES))), "role": "colleague"},
            {"name": fake_en.company().replace(",", ""), "role": "employer"},
        ]
        roster = [r for r in roster if r["name"].replace(" ", "").replace("-", "").replace("&", "").isalpha()]
        partner, boss, colleague = roster[0]["name"], roster[2]["name"] if len(roster) > 2 else "Sam Taylor", roster[3]["name"] if len(roster) > 3 else "Jo King"
        employer = roster[-1]["name"]
        notes = []
        day = date(2025, 1, 6) + timedelta(days=rng.randrange(0, 200))
        for _ in range(rng.randint(6, 10)):
            n = Note()
            n.text("Session with ")
            n.ident(name_form(rng, client, nickname), "PERSON", True)
            n.text(". ")
            n.text(rng.choice(CONTENT) + " ")
            n.ident(name_form(rng, boss, None), "PERSON", True)
            n.text(" " + rng.choice(["pushed back on the plan", "asked for a weekly update", "praised the launch", "cancelled their one to one"]) + ". ")
            for _ in range(rng.randint(2, 4)):
                kind = rng.randrange(12)
                if kind == 0:
                    n.text("Home: ")
                    n.ident(name_form(rng, partner, None), "PERSON", True)
                    n.text(" has been covering school runs; ")
                    n.ident(roster[1]["name"] if rng.random() < 0.6 else roster[1]["name"].lower(), "PERSON", True)
                    n.text(" has exams. ")
                elif kind == 1:
                    n.text("She can be reached at ")
                    if rng.random() < 0.3:
                        user = client.split()[0].lower()
                        n.ident(f"{user} at {fake_en.domain_word()} dot com", "EMAIL", True)
                    else:
                        n.ident(fake_en.email(), "EMAIL", False)
                    n.text(" or on ")
                    n.ident(rng.choice([fake_en.phone_number(), Faker("en_US").phone_number(), Faker("de_DE").phone_number(), "+44 7700 " + str(rng.randint(900000, 900999))]), "PHONE", False)
                    n.text(". ")
                elif kind == 2:
                    n.text("They moved to ")
                    n.ident(f"{rng.randint(2, 220)} {fake_en.street_name()}", "ADDRESS", False)
                    n.text(", ")
                    n.ident(fake_en.postcode(), "POSTCODE", False)
                    n.text(" last month. ")
                elif kind == 3:
                    n.text("HR case ")
                    n.ident(f"{rng.choice(['case', 'ticket', 'ref'])} #{rng.randint(10000, 99999)}", "ID", False)
                    n.text(" is still open; employee ID ")
                    n.ident(f"E{rng.randint(100000, 999999)}", "ID", False)
                    n.text(". ")
                elif kind == 4:
                    n.text("Her son turns ")
                    n.ident(str(rng.randint(6, 19)), "AGE", False)
                    n.text(" soon and her birthday is ")
                    n.ident(f"{rng.randint(1, 28)} {rng.choice(['March', 'June', 'October', 'January'])}", "DATE", False)
                    n.text(". ")
                elif kind == 5:
                    n.text("Met ")
                    other = clean_name(Faker(rng.choice(LOCALES)))
                    n.ident(other, "PERSON", False)
                    n.text(" from finance about the budget. ")
                elif kind == 6:
                    n.text("Frustrated with ")
                    n.ident(name_form(rng, colleague, None), "PERSON", True)
                    n.text(" again; it keeps coming up. ")
                elif kind == 7:
                    n.text("Still unsure whether to stay at ")
                    n.ident(employer if rng.random() < 0.7 else employer.upper(), "ORG", True)
                    n.text(". ")
                elif kind == 8:
                    n.text("Shared her LinkedIn ")
                    n.ident(f"linkedin.com/in/{client.split()[0].lower()}-{client.split()[-1].lower()}-{rng.randint(10, 99)}", "URL", True)
                    n.text(" for the mentoring scheme. ")
                elif kind == 9:
                    n.text("Next call on ")
                    n.ident(f"https://zoom.us/j/{rng.randint(10**10, 10**11 - 1)}", "URL", False)
                    n.text(". ")
                elif kind == 10:
                    n.text("Paid by card ")
                    n.ident(Faker("en_US").credit_card_number(), "CARD", False)
                    n.text(" for the retreat. ")
                else:
                    n.text(rng.choice(CONTENT) + " ")
            n.text(rng.choice(CONTENT))
            notes.append({"date": day.isoformat(), **n.done()})
            day += timedelta(days=rng.randint(7, 21))
        out.append({"name": client, "aliases": [nickname] if nickname else [], "roster": roster, "notes": notes})
    return {"description": "Fictional coaching client histories for redaction benchmarks; generated by benchmarks/coaching_set.py", "clients": out}


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=20261128)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    OUT = args.out
    data = build(seed=args.seed)
    OUT.write_text(json.dumps(data, indent=1, ensure_ascii=False))
    notes = sum(len(c["notes"]) for c in data["clients"])
    idents = sum(len(n["identifiers"]) for c in data["clients"] for n in c["notes"])
    print(f"wrote {OUT}: {len(data['clients'])} clients, {notes} notes, {idents} identifiers")
