"""Questions built from the client's own material: each open commitment asked back in its own words,
each recurring theme asked about through the client's own quoted words in a recent passage ("When you
said “It's instant”, what was underneath that?") or else a phrase of its latest evidence.

"Agreed: she will draft the first message to her team by Friday." becomes "How did drafting the first
message to your team go?"; a commitment the later notes say has not happened becomes "What got in the
way of …?"; a list item that is not a verb phrase ("pitch outline to [PERSON_2]") becomes "Where are
things with …?". Placeholders are kept; the client is addressed as "you". Every question carries its
passage and a one-line reason. Pure logic over redacted text; the verb forms come from
``reflect.core.phrases``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from reflect.core.domain import Commitment, Evidence, GoalProgress, Question, Theme
from reflect.core.phrases import EMPTY, gerund, is_verb

#: What opens a commitment without being part of the action: cues, subjects, modals, list marks.
_CUE = re.compile(
    r"^(?:(?:agreed|homework|next\s+steps?|action(?:\s+items?)?|to[ -]?do|experiment|commitment|goal(?:\s+for\s+\w+\s+\w+)?|"
    r"by\s+next\s+time|before\s+we\s+meet(?:\s+again)?)\s*[:\-–]\s*)+",
    re.IGNORECASE,
)
_SUBJECT = re.compile(
    r"^(?:(?:she|he|they|we|you|client|the\s+client|\[CLIENT\])\s+)?(?:(?:has\s+)?(?:agreed|agrees|committed|commits|promised|chose|decided|wants|plans?|intends?|is\s+going|'s\s+going|’s\s+going|are\s+going)\s+"
    r"(?:(?:that\s+)?(?:she|he|they|you|\[CLIENT\])\s+(?:will|would)\s+|to\s+)|(?:will|would|'ll|’ll|shall)\s+)",
    re.IGNORECASE,
)
#: Reported speech that opens a commitment: "He also said he'd leave his phone in the car".
_REPORTED = re.compile(
    r"^(?:she|he|they|you|\[CLIENT\])\s+(?:also\s+)?(?:said|says|told\s+me|promised(?:\s+me)?)\s+(?:that\s+)?(?:she|he|they|you|\[CLIENT\])\s*(?:'d|’d|\s+would)\s+",
    re.IGNORECASE,
)
_WHEN = re.compile(r"^(?:before|by|until|for)\s+(?:the\s+|our\s+)?next\s+(?:session|time|meeting|call|week)\s*,?\s*", re.IGNORECASE)
_PRONOUN_SUBJECT = re.compile(r"^(?:she|he|they|you|we|\[CLIENT\])(?='ll|’ll|['’](?:s|re)\s+going\s+to\s)", re.IGNORECASE)
_DEADLINE = re.compile(
    r"\s*(?:,\s*)?\b(?:by|before|until|ahead\s+of|in\s+time\s+for)\s+(?:the\s+)?(?:next\s+(?:session|time|week|call|meeting)|we\s+(?:next\s+)?meet(?:\s+again)?|"
    r"end\s+of\s+(?:the\s+)?(?:week|month|day|quarter)|(?:mon|tues|wednes|thurs|fri|satur|sun)day|tomorrow|[0-9][\w/.-]*(?:\s+[A-Za-z]+)?|"
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b[^,;.]*)\s*$"
    r"|\s*\b(?:this|next)\s+(?:week|month|time|session)\s*$|\s*\bbefore\s+our\s+next\s+\w+\s*$",
    re.IGNORECASE,
)
_CLAUSE_END = re.compile(r"\s*(?:[;(]|:(?!\d)|,\s|\s[–—-]\s|\s(?:so\s+that|because|since|as\s+she|as\s+he)\s)")
_LIST_MARK = re.compile(r"^\s*(?:\d{1,2}[.)]|\(\d{1,2}\)|[-*•+])?\s*(?:\[[ xX~/-]?\]\s*)?")
QUESTION_LIMIT = 200
#: A finite verb, a reply word or a quotation inside a phrase that does not open on a verb: it is a
#: statement or a review line ("yes, big change", "you pushed hard then said \"fine\""), which "Where are
#: things with …?" cannot carry.
_CLAUSE = re.compile(
    r"\b(?:is|are|was|were|has|have|had|did|does|said|says|told|asked|agreed|decided|went|got|felt|feels|can|could|would|should|will)\b"
    r"|^(?:yes|no)\b\s*[,.!;:]|^(?:mostly|partly|not\s+yet)\b|[\"“”]",
    re.IGNORECASE,
)


def second_person(text: str) -> str:
    """Address the client: she/he → you, her/his → your, [CLIENT] → you. An object pronoun is someone
    else ("ask him about his plans", "tell her"): it and any later possessive of it are left as written.
    Words in quotation marks are someone's words as written and stay so ("tell [PERSON_1] “she's not
    covering for him”")."""
    parts = re.split(r"([\"“][^\"“”]*[\"”])", text)
    if len(parts) > 1:
        return "".join(part if part[:1] in "\"“" else _second_person(part) for part in parts)
    return _second_person(text)


def _second_person(text: str) -> str:
    text = re.sub(r"\[CLIENT\]['’]s\b", "your", text)
    text = text.replace("[CLIENT]", "you")
    text = re.sub(r"\b(?:she|he)(['’])s\s+([A-Za-z]+)(?=(\s+[^\s]+)?)", _contraction, text, flags=re.IGNORECASE)
    text = re.sub(r"\b(?:herself|himself|themself)\b", "yourself", text, flags=re.IGNORECASE)
    text = re.sub(r"\b(?:she|he)\b", "you", text, flags=re.IGNORECASE)
    him = re.search(r"\bhim\b", text, re.IGNORECASE)
    text = re.sub(r"\bhis\b", lambda m: m.group(0) if him and him.start() < m.start() else "your", text, flags=re.IGNORECASE)
    text = re.sub(r"\bhers\b", "yours", text, flags=re.IGNORECASE)
    out, other = [], False
    for piece in re.split(r"(\bher\b)", text, flags=re.IGNORECASE):
        if piece.lower() != "her":
            out.append(piece)
            continue
        after = text[len("".join(out)) + len(piece):].lstrip()
        nxt = re.match(r"[A-Za-z\[]+", after)
        objective = nxt is None or nxt.group(0).lower() in _NOT_A_NOUN
        other = other or objective
        out.append(piece if other else "your")
    text = "".join(out)
    return re.sub(r"\byou (\w+)\b", _agree, text)


#: Participles that read as states after "she's" ("she's tired": you're tired, not you've tired).
_STATES = frozenset("tired worried excited stressed interested scared pleased relieved stuck done involved engaged married "
                    "committed determined convinced exhausted overwhelmed frustrated annoyed upset".split())


#: Participles that, after "she's", are always "has" ("she's been", "she's got").
_DEEDS = frozenset("been got gotten had done made taken given gone come".split())


def _contraction(m: re.Match[str]) -> str:
    """"she's been" → "you've been", "she's going" → "you're going": the 's is "has" before a past
    participle and "is" otherwise."""
    from lemminflect import getAllLemmas, getInflection

    apostrophe, word, follows = m.group(1), m.group(2), (m.group(3) or "").strip().lower()
    low = word.lower()
    lemmas = getAllLemmas(low).get("VERB", ())
    participle = low not in _STATES and any(low in getInflection(lemma, "VBN") for lemma in lemmas)
    # a participle is a deed ("she's told the team", "she's agreed to") before an object, and a state
    # before anything else ("she's disappointed with", "she's stretched too thin")
    deed = low in _DEEDS or re.match(r"(?:(?:the|a|an|her|his|their|my|our|your|this|that|it|them|him|me|us|to|been|already|just|not|never)\b|\[|[0-9])", follows) is not None
    participle = participle and deed
    return f"you{apostrophe}{'ve' if participle else 're'} {word}"


_NOT_A_NOUN = frozenset("to and or about for that if when what how so again too back up out in on at with by from".split())


_AGREE = {"is": "are", "was": "were", "has": "have", "does": "do", "doesn't": "don't", "isn't": "aren't", "wasn't": "weren't", "hasn't": "haven't"}


def _agree(m: re.Match[str]) -> str:
    """"you needs" → "you need": the verb after a new "you" agrees with it."""
    from lemminflect import getLemma

    word = m.group(1)
    if word.lower() in _AGREE:
        return f"you {_AGREE[word.lower()]}"
    if word.endswith("s") and not word.endswith("ss"):
        lemma = getLemma(word.lower(), upos="VERB")
        if lemma and lemma[0] != word.lower() and word.lower() not in {"us", "yours"}:
            return f"you {lemma[0]}"
    return m.group(0)


def action(text: str) -> str:
    """The action of a commitment, without list marks, cues, subject, modal, deadline or final stop."""
    text = spoken(_LIST_MARK.sub("", " ".join(text.split()[:80])))  # a commitment is a sentence; bound the work on a runaway one
    for _ in range(3):
        before = text
        text = re.sub(r"^(?:and|but|so|then|also|plus)\s+", "", text, flags=re.IGNORECASE)
        text = _REPORTED.sub("", text)
        text = _CUE.sub("", text)
        text = _WHEN.sub("", text)
        text = _PRONOUN_SUBJECT.sub("", text).lstrip("'’")
        text = re.sub(r"^(?:ll|(?:s|re)\s+going\s+to)\s+", "", text)
        text = _SUBJECT.sub("", text)
        if text == before:
            break
    text = text.rstrip(" .!;:")
    cut = _CLAUSE_END.search(text)
    if cut is not None and cut.start() >= 12:
        text = text[: cut.start()]
    text = _DEADLINE.sub("", text).rstrip(" ,.")
    return _trim_dangling(text)


#: A word a cut can leave hanging at the end ("make a clear decision about the move and").
_DANGLING = frozenset("and or but so then to of with for from about into the".split())


def _trim_dangling(text: str) -> str:
    """Without a word a cut leaves hanging at the end: "make a decision about the move and" → "make a
    decision about the move". Only words that cannot end an action go ("hand it in" keeps its "in");
    word by word, so no pattern can backtrack over a run of commas."""
    words = text.rstrip(" ,").split(" ")
    while len(words) > 1 and words[-1].rstrip(",").lower() in _DANGLING:
        words.pop()
        words[-1] = words[-1].rstrip(",")
    return " ".join(words).rstrip(" ,")


_THEN = re.compile(
    r"\band\s+(not\s+)?([a-z]+)(?=\s+(?:the|a|an|her|his|their|your|my|our|this|that|some|one|two|three|\[[A-Z_0-9]+\]|to|with|for|on|about|up|out|back|"
    r"which|what|how|when|where|whether|if|who|it|them|him|me|us|yourself|[a-z]+ing|[A-Z][\w-]*)\b|\s+[a-z]|$)"
)
#: Verbs that start an action without being one: "start preparing the slot" is asked as "preparing the slot".
_ONSET = frozenset("start starts begin begins try tries continue continues".split())


def _gerunds(first_ing: str, rest: str) -> str:
    """"deciding on the role and draft the message" → "… and drafting the message"."""
    def swap(m: re.Match[str]) -> str:
        word, follows = m.group(2), rest[m.end():].lstrip()
        # a word that is a noun too ("the agenda and list for Monday") is taken for a verb only before an object
        # "and talk to", "and build support": a verb; a word that is a noun too stays one at the very end ("book the room and plan")
        ing = gerund(word) if is_verb(word) and (bool(follows) or not _is_noun(word)) else None
        return f"and {m.group(1) or ''}{ing}" if ing else m.group(0)

    return f"{first_ing} {_THEN.sub(swap, rest)}".strip()


#: A coach's shorthand, said in full when a question reads it out to the client.
_SHORTHAND = {
    "w/": "with", "w/o": "without", "re": "about", "re:": "about", "b/c": "because", "incl.": "including", "incl": "including",
    "mtg": "meeting", "mtgs": "meetings", "convo": "conversation", "convos": "conversations", "wk": "week", "wks": "weeks",
    "mins": "minutes", "hr": "hour", "hrs": "hours", "mgr": "manager", "mgrs": "managers", "ppl": "people", "approx": "about",
    "+": "and", "&": "and", "->": "to", "asap": "soon",
}


def spoken(text: str) -> str:
    """Note shorthand said in full ("1:1 w/ [PERSON_1] re: budget" → "1:1 with [PERSON_1] about budget");
    only whole tokens change, so names and placeholders are never touched."""
    return " ".join(_SHORTHAND.get(word, word) if word == word.lower() else word for word in text.split(" "))  # "HR" is not "hr"


#: Where an overlong action can end without losing what it is ("starting a maths club … as “a way to …”").
_SOFT_END = re.compile(r",\s|\s(?:as|so|because|which|while|where)\s|\s[–—-]\s")
ACTION_CHARS = 90


def _shortened(body: str) -> str:
    """An action of more than ``ACTION_CHARS`` characters cut at its first soft end past 30 characters."""
    if len(body) <= ACTION_CHARS:
        return body
    cut = next((m.start() for m in _SOFT_END.finditer(body) if 30 <= m.start() <= ACTION_CHARS), None)
    return body if cut is None else _trim_dangling(body[:cut])


def _is_gerund(word: str) -> bool:
    """"drafting" (a list item written in the -ing form already)."""
    from lemminflect import getAllLemmas

    verbs = getAllLemmas(word.lower()).get("VERB", ())  # the lexicon's own entries: "morning" and "nothing" are no verbs
    return word.endswith("ing") and any(lemma != word.lower() for lemma in verbs)


def _is_noun(word: str) -> bool:
    from lemminflect import getAllLemmas

    return "NOUN" in getAllLemmas(word)


def _lower_first(text: str) -> str:
    first = text.split(" ", 1)[0]
    if first.isupper() or first.startswith("[") or (len(first) > 1 and first[1:].lower() != first[1:]):
        return text  # an acronym, a placeholder or a name-like word keeps its case
    return text[:1].lower() + text[1:]


def asked(text: str) -> tuple[str, bool] | None:
    """A commitment's or goal's text turned to address the client: (the action with its verb as a
    gerund, True), or (the phrase as written, False) when it does not open on a verb; None when
    nothing is left to ask about."""
    phrase = _lower_first(second_person(action(text)))
    if len(phrase) < 4:
        return None
    first, _, rest = phrase.partition(" ")
    if first.lower() in _ONSET and rest.split(" ", 1)[0].endswith("ing"):
        first, _, rest = rest.partition(" ")  # "start preparing the slot": the action is the preparing
        return (_shortened(_gerunds(first, rest)), True)
    ing = gerund(first) if is_verb(first) else (first if _is_gerund(first) else None)
    return (_shortened(_gerunds(ing, rest)), True) if ing is not None else (phrase, False)


def commitment_question(commitment: Commitment) -> str | None:
    """The commitment asked back to the client, in its own words, or None when it cannot be phrased."""
    found = asked(commitment.text)
    if found is None:
        return None
    body, verb = found
    if not verb and (_CLAUSE.search(body) or all(w.lower() in EMPTY for w in body.split())):
        return None  # a statement ("the couple have agreed to have another go"), not a thing to ask "where are things with"
    stalled = commitment.status == "open" and bool(commitment.evidence)
    if verb:
        text = f"What got in the way of {body}?" if stalled else f"How did {body} go?"
    else:
        text = f"What has happened with {body} since we last met?" if stalled else f"Where are things with {body}?"
    if len(text) > QUESTION_LIMIT:
        return None
    return text


def commitment_questions(commitments: list[Commitment], limit: int = 2) -> list[Question]:
    """One question per open commitment, the most recently agreed first."""
    out: list[Question] = []
    for c in sorted((c for c in commitments if c.status == "open"), key=lambda c: (c.date, c.id), reverse=True):
        text = commitment_question(c)
        if text is None:
            continue
        if c.evidence:
            why = f"agreed on {c.date} and still open: a later note says it has not happened yet"
        else:
            why = f"agreed on {c.date} (commitment {c.id}); no later note says it happened"
        out.append(Question(text, "commitment", [Evidence(c.note_id, c.date, c.text, c.chunk)], why=why))
        if len(out) == limit:
            break
    return out


@dataclass(frozen=True)
class Anchor:
    """A phrase of one passage that stands for a theme, and that passage (the question cites it); and
    the client's own words quoted in that passage, when the note quotes them."""

    phrase: str
    passage: Evidence
    said: str | None = None


#: A quotation the note gives the client: "she said, “I'm failing in both places”", "“It's instant,” he said".
_QUOTE = re.compile(r"[\"“]([^\"“”\n]{8,160})[\"”]")
_SPEECH = r"(?:said|says|told\s+me|told\s+us|added|admitted|put\s+it|replied|answered|repeated|asked|wrote|called\s+(?:it|him|her|them)|told\s+(?:him|her|them))"
#: The last verb of speech before a quotation, with who spoke; only punctuation may stand between it and
#: the quotation ("she said, “…”", not "she said her boss told her “…”").
_INTRODUCED = re.compile(rf"(\[[A-Z_0-9]+\]|\b[A-Za-z]+)\s+(?:(?:also|then|just|quietly|finally|later)\s+)?{_SPEECH}\s*[,:]?\s*$", re.IGNORECASE)
#: A quotation closed by its attribution: "“It's instant,” she said."
_ATTRIBUTED = re.compile(r"^\s*(\[[A-Z_0-9]+\]|[A-Za-z]+)\s+(?:said|says|added|admitted|replied|answered|repeated|wrote)\s*(?:[.,;!]|$)", re.IGNORECASE)


def client_words(text: str, client: str = "she") -> str | None:
    """The first words of the client's that a redacted passage quotes (3–20 words), without their
    closing stop; None when it quotes none. The quotation must be introduced by the client speaking
    ("she said, “…”") or closed by it ("“…,” she said"), where ``client`` is the pronoun the notes use
    for the client ([CLIENT] always counts). Words put in someone else's mouth ("she said her boss told
    her “…”", "[PERSON_1] called her “…”", "I asked “…”") and questions are not the client's."""
    speakers = {client.lower(), "[client]"}
    for m in _QUOTE.finditer(text):
        words = m.group(1).strip()
        if not 3 <= len(words.rstrip(",.;:").split()) <= 20 or words.endswith("?"):
            continue
        before = _INTRODUCED.search(text[max(0, m.start() - 80) : m.start()])
        after = _ATTRIBUTED.match(text[m.end() : m.end() + 30]) if words.endswith(",") or text[m.end() : m.end() + 1] == "," else None
        if after is None and text[m.end() : m.end() + 1] == ",":
            after = _ATTRIBUTED.match(text[m.end() + 1 : m.end() + 31])
        who = (before or after)
        if who is not None and who.group(1).lower() in speakers:
            return words.rstrip(",.;:")
    return None


def theme_question(theme: Theme, anchor: str, said: str | None = None) -> str:
    """A question about a recurring theme, asked through the client's own words in its latest evidence
    when the note quotes them, else through a phrase of that evidence."""
    if said:
        text = f"When you said “{said}”, what was underneath that?"
        if len(text) <= QUESTION_LIMIT:
            return text
    anchor = spoken(second_person(anchor))
    first = anchor.split(" ", 1)[0]
    if first.lower() in _DETERMINERS:  # "The compulsion" opened its sentence; "Slack" and "Q1 delivery" keep their case
        anchor = first.lower() + anchor[len(first):]
    anchor = _with_article(anchor)
    latest = _spoken_date(theme.sessions[-1].date) if theme.sessions else ""
    if theme.trend in ("new", "rising"):
        text = f"What is making {anchor} come up more often lately?"
    elif theme.trend == "fading" and latest:
        text = f"What has shifted around {anchor} since {latest}?"
    else:
        text = f"What is happening now with {anchor}?"  # neutral: it recurs, and nothing more is assumed (not that it weighs on them)
    return text if len(text) <= QUESTION_LIMIT else f"What is happening now with {anchor}?"


_DETERMINERS = frozenset(
    "a an the her his their my our your its this that these those every each some any all another no both either neither several "
    "many few much more most one two three four five six seven eight nine ten i you we they it he she".split()
)


def _with_article(phrase: str) -> str:
    """A bare noun phrase of terse notes read out in a question: "final review" → "the final review";
    a phrase that has its determiner, a name or a placeholder is left as it is, and so is a single word
    ("trust" would not read as "the trust")."""
    first, _, rest = phrase.partition(" ")
    if not rest or not first[0].islower() or first.lower() in _DETERMINERS or first[0].isdigit() or first.startswith("you") or _is_gerund(first):
        return phrase  # "going back to work", "you're stuck" take no article
    return f"the {phrase}"


def _spoken_date(iso: str) -> str:
    """"2026-03-10" → "10 March", as a coach would say it to the client; the text as given if it is no date."""
    from datetime import date

    try:
        day = date.fromisoformat(iso)
    except ValueError:
        return iso
    return f"{day.day} {day:%B}" + ("" if day.year == date.today().year else f" {day.year}")


def theme_questions(themes: list[Theme], anchors: dict[int, Anchor], limit: int = 2) -> list[Question]:
    """One question per recurring theme that is still live (not resolved), strongest first; ``anchors``
    are keyed by the theme object's ``id`` (two themes may carry the same label)."""
    out: list[Question] = []
    for theme in themes:
        anchor = anchors.get(id(theme))
        if theme.trend == "resolved" or anchor is None:
            continue
        why = f"“{theme.label}” came up in {len(theme.sessions)} sessions ({theme.trend}); asked through its mention of {anchor.passage.date}"
        out.append(Question(theme_question(theme, anchor.phrase, anchor.said), "theme", [anchor.passage], why=why))
        if len(out) == limit:
            break
    return out


def followup_questions(agreed: list[Commitment], themes: list[Theme], anchors: dict[int, Anchor], limit: int = 3) -> list[Question]:
    """After a session: what was agreed in it (what would help it happen), then the themes it touched,
    each asked through the phrase of this session that carries it."""
    out: list[Question] = []
    for c in agreed:
        found = asked(c.text)
        if found is None:
            continue
        text = f"What would help you follow through on {found[0]}?"
        if len(text) <= QUESTION_LIMIT:
            out.append(Question(text, "commitment", [Evidence(c.note_id, c.date, c.text, c.chunk)], why=f"agreed in this session (commitment {c.id})"))
    for theme in themes:
        anchor = anchors.get(id(theme))
        if anchor is None:
            continue
        phrase = _lower_first(second_person(anchor.phrase))
        text = f"What stayed with you after we talked about {phrase}?"
        if len(text) <= QUESTION_LIMIT:
            why = f"this session touched “{theme.label}” ({len(theme.sessions)} sessions in all)"
            out.append(Question(text, "theme", [anchor.passage], why=why))
    return out[: max(limit, 0) + 2]  # a few spare: the caller drops near-duplicates, then tops up


def goal_question(progress: GoalProgress) -> Question | None:
    """An engagement goal asked about through the latest passage that talks about it."""
    if progress.evidence is None:
        return None
    found = asked(progress.goal.text)
    if found is None:
        return None
    body, verb = found
    text = f"How close do you feel now to {body}?" if verb else f"Where are you now with {body}?"
    if len(text) > QUESTION_LIMIT:
        return None
    why = f"a goal of the engagement (goal {progress.goal.id}), in {len(progress.sessions)} sessions; latest {progress.evidence.date}"
    return Question(text, "goal", [progress.evidence], why=why)
