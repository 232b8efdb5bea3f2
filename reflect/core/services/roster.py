"""Clients and the people around them: the roster, the client's map of names to placeholders, and
finding a client the way a coach types them. Every roster change is redacted into the notes already
stored (``Reredactor``); ``Reidentifier`` is how front ends put real names back, on screen only.
"""

from __future__ import annotations

import difflib
import logging
import unicodedata

from reflect.core.domain import Client, Person
from reflect.core.errors import InputError, NotFoundError
from reflect.core.redaction.gate import CLIENT_PLACEHOLDER, LEARNED, PLACEHOLDER_RE, ROSTER, PseudonymMap
from reflect.core.redaction.text import fold
from reflect.core.services.context import Context
from reflect.core.services.reredaction import Reredactor
from reflect.core.services.results import ClientSummary, MapOrigin, Reredaction, RosterEntry

log = logging.getLogger(__name__)

#: Text-direction controls: marks, embeddings, overrides and isolates.
_BIDI_CONTROLS = frozenset("\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_ORG_ROLES = {"employer", "organisation", "organization", "company", "org"}


def check_name(name: str, what: str) -> str:
    """A name as typed, cleaned of what a paste brings along, or one clear error."""
    # Control characters and text-direction controls (a right-to-left override, U+202E, makes the
    # screen show another name than the one stored) are refused; other invisible format characters
    # a paste brings along (a zero-width space, a soft hyphen) are dropped; the zero-width joiner
    # and non-joiner stay, Persian and Indic names need them.
    if any(unicodedata.category(c) in {"Cc", "Co", "Cs"} or c in _BIDI_CONTROLS for c in name.replace("\t", " ")):
        raise InputError(f"{what} name has control or text-direction characters; type it plainly")
    name = "".join(c for c in name if unicodedata.category(c) != "Cf" or c in "\u200c\u200d")
    name = " ".join(name.split())
    if not name:
        raise InputError(f"{what} name is empty")
    if sum(ch.isalnum() for ch in name) < 2:
        # "J" or "--" would be dropped or would match everywhere: a name needs two letters or digits.
        raise InputError(f"{what} {name!r} is too short to be a name: give at least two letters")
    if len(name) > 200:
        raise InputError(f"{what} name is not a plausible name (over 200 characters)")
    return name


class Reidentifier:
    """Puts a client's real names back into redacted text, for the coach's screen only.

    Called on text, it uses each person's display name. ``quote(text, note_id)`` is for the coach's
    own words quoted from a note: each name comes back as it was written there ("Bex", not "Rebecca
    Hartley"), when the note is one of ``notes`` (id → (original, redacted))."""

    def __init__(self, pmap: PseudonymMap, notes: dict[int, tuple[str, str]] | None = None) -> None:
        self._map = pmap
        self._notes = notes or {}
        self._forms: dict[str, set[str]] | None = None

    def __call__(self, text: str) -> str:
        return self._map.reidentify(text)

    def quote(self, text: str, note_id: int) -> str:
        """A quote from note ``note_id`` with the names as written in that note."""
        from reflect.core.redaction.surface import restore

        found = self._notes.get(note_id)
        if found is None:
            return self(text)
        if self._forms is None:
            forms: dict[str, set[str]] = {}
            for row in self._map.rows:
                if row.origin != "ignored":
                    forms.setdefault(row.placeholder, set()).add(row.key)
            self._forms = forms
        display = {p: self._map.display(p) or p for p in self._forms}
        return restore(text, found[0], found[1], self._forms, display)

    def name_of(self, placeholder: str) -> str | None:
        """The name a placeholder stands for (None when it is not on this client's map)."""
        return self._map.display(placeholder)


class Roster:
    """Clients, the people around them, and each client's map."""

    def __init__(self, ctx: Context, reredactor: Reredactor) -> None:
        self._ctx = ctx
        self._reredactor = reredactor

    # clients ------------------------------------------------------------------------------------
    def add_client(self, name: str, aliases: list[str] | tuple[str, ...] = ()) -> Client:
        store = self._ctx.store
        name = check_name(name, "client")
        aliases = [check_name(a, "alias") for a in aliases]
        if store.client_by_key(name) is not None:
            raise InputError(f"a client named {name!r} already exists")
        with store.transaction():
            client = store.add_client(name, aliases)
            pmap = PseudonymMap(rows=[])
            pmap.register("PERSON", name, aliases, placeholder=CLIENT_PLACEHOLDER)
            store.add_vault_entries(client.id, pmap.new_rows)
        log.info("client %s added", client.id)
        return client

    def client(self, key: str) -> Client:
        """A client by short id, name or alias (case- and accent-insensitive), or a beginning of the name
        that fits one client only; a near miss gets "did you mean …?"."""
        store = self._ctx.store
        found = store.client_by_key(key)
        if found is not None:
            return found
        wanted = fold("".join(c for c in key if c not in "\u200b\u00ad\ufeff\u2060"))
        if not wanted:
            raise NotFoundError("no client given; 'reflect client list' shows the clients")
        everyone = store.clients()
        forms = {c.id: [fold(c.name), *(fold(a) for a in c.aliases)] for c in everyone}
        exact = [c for c in everyone if wanted in forms[c.id]]
        if len(exact) == 1:
            return exact[0]
        starts = [c for c in everyone if any(f.startswith(wanted) for f in forms[c.id])] if not exact else exact
        if len(starts) == 1:
            return starts[0]
        if len(starts) > 1:
            names = ", ".join(sorted(c.name for c in starts)[:4])
            raise NotFoundError(f"{key!r} fits more than one client ({names}); type more of the name")
        by_form = {f: c for c in everyone for f in forms[c.id]}
        near = difflib.get_close_matches(wanted, list(by_form), n=1, cutoff=0.75)
        hint = f"; did you mean {by_form[near[0]].name!r}?" if near else "; 'reflect client list' shows the clients"
        raise NotFoundError(f"no client {key!r}{hint}")

    def clients(self) -> list[ClientSummary]:
        store = self._ctx.store
        out = []
        for c in store.clients():
            dates = store.note_dates(c.id)
            out.append(ClientSummary(c, len(dates), dates[-1][1] if dates else None, store.people_count(c.id)))
        return out

    def add_alias(self, client: Client, alias: str, person: Person | None = None) -> Reredaction:
        """Another name for the client (or for someone on their roster); stored notes follow."""
        store = self._ctx.store
        alias = check_name(alias, "alias")
        pmap = self._ctx.map(client)
        owner = CLIENT_PLACEHOLDER if person is None else (pmap.lookup(fold(person.name)) or (None, None))[1]
        self._check_free(pmap, [alias], owner)
        with store.transaction():
            if person is None:
                store.set_client_aliases(client.id, [*client.aliases, alias])
                pmap.register("PERSON", client.name, [alias], placeholder=CLIENT_PLACEHOLDER)
            else:
                store.set_person_aliases(person.id, client.id, [*person.aliases, alias])
                pmap.register(person.kind, person.name, [alias])
            everything = bool(pmap.changed_rows or pmap.removed_rows)
            store.save_map(client.id, pmap)
            store.mark_reredact(client.id)
        log.info("alias added for client %s", client.id)
        return self._reredactor.reredact(client, everything=everything)

    # people -------------------------------------------------------------------------------------
    def add_person(
        self, client: Client, name: str, aliases: list[str] | tuple[str, ...] = (), role: str | None = None, *, org: bool = False,
    ) -> tuple[Person, Reredaction]:
        """Put someone (or an organisation: ``org``, or the role "employer") around the client on the
        roster: every form of their name is always redacted, in the notes already stored too."""
        store = self._ctx.store
        name = check_name(name, "person")
        aliases = [check_name(a, "alias") for a in aliases]
        pmap = self._ctx.map(client)
        self._check_free(pmap, [name, *aliases], None)
        kind = "ORG" if org or bool(role and role.strip().lower() in _ORG_ROLES) else "PERSON"
        extra = self._ctx.components.gate.roster_forms(kind, name)  # an organisation's distinctive first word
        with store.transaction():
            person = store.add_person(client.id, name, aliases, role, kind)
            pmap.register(kind, name, aliases, short_forms=extra)
            everything = bool(pmap.changed_rows or pmap.removed_rows)  # forms re-pointed: every note follows
            store.save_map(client.id, pmap)
            store.mark_reredact(client.id)
        log.info("person %s added for client %s", person.id, client.id)
        return person, self._reredactor.reredact(client, everything=everything)

    def person(self, client: Client, name: str) -> Person:
        """Someone on a client's roster, by name or alias (any case or typographic form)."""
        key = fold(name)
        for p in self._ctx.store.people(client.id):
            if key in {fold(p.name), *(fold(a) for a in p.aliases)}:
                return p
        raise NotFoundError(f"no one called {name!r} on the roster of {client.name}; 'reflect person list' shows it")

    def people(self, client: Client) -> list[Person]:
        return self._ctx.store.people(client.id)

    def placeholder(self, client: Client, name: str) -> str | None:
        """The placeholder a name on the client's map is redacted as."""
        found = self._ctx.map(client).lookup(fold(name))
        return found[1] if found else None

    # the map ------------------------------------------------------------------------------------
    def reidentifier(self, client: Client) -> Reidentifier:
        notes = {n.id: (n.original, n.redacted) for n in self._ctx.store.notes(client.id)}
        return Reidentifier(self._ctx.map(client), notes)

    def entries(self, client: Client) -> list[RosterEntry]:
        """Every entry of the client's map, roster and learned, grouped by placeholder: what is
        redacted, as what, and where it came from (for ``reflect person list`` and the app)."""
        pmap = self._ctx.map(client)
        people = {p.name: p for p in self._ctx.store.people(client.id)}
        groups: dict[str, RosterEntry] = {}
        for row in pmap.rows:
            if row.origin == "ignored":
                groups.setdefault(f"ignored:{row.key}", RosterEntry(None, None, "not a name", [row.surface]))
                continue
            origin: MapOrigin = "seen"
            group = groups.setdefault(row.placeholder, RosterEntry(row.placeholder, row.type, origin))
            if row.origin == ROSTER:
                group.origin = "roster"
            elif row.origin == LEARNED and group.origin != "roster":
                group.origin = "learned"
            if row.surface not in group.forms:
                group.forms.append(row.surface)
            if row.surface in people:
                group.role = people[row.surface].role
        return list(groups.values())

    def not_a_name(self, client: Client, form: str) -> Reredaction:
        """The coach says a learned form is not a name ("Spoke", "Jan"): it leaves the map, is never
        learned again for this client, and the stored notes are re-redacted without it."""
        pmap = self._ctx.map(client)
        row = pmap.entry(fold(form))
        if row is not None and row.origin == ROSTER:
            raise InputError(f"{form!r} is on the roster of {client.name}: it stays redacted (the coach put it there)")
        if row is None and not pmap.ignored(fold(form)):
            raise NotFoundError(f"{form!r} is not in the map of {client.name}; 'reflect person list' shows the entries")
        pmap.ignore(form)
        return self._save_and_reredact(client, pmap)

    def merge(self, client: Client, first: str, second: str) -> Reredaction:
        """Two entries that are one person: the second's forms take the first's placeholder (a roster
        entry's placeholder always wins). ``first``/``second`` are forms or placeholders."""
        pmap = self._ctx.map(client)
        a, b = self._placeholder_of(pmap, client, first), self._placeholder_of(pmap, client, second)
        if a == b:
            raise InputError(f"{first!r} and {second!r} are already one entry ({a})")
        if CLIENT_PLACEHOLDER in (a, b):
            raise InputError(f"to make a form the client's own, use 'reflect client alias {client.name} FORM' (a merge cannot be undone)")
        types = {r.type for r in pmap.rows if r.placeholder in (a, b)}
        if len(types) > 1:
            raise InputError(f"{first!r} and {second!r} are a person and an organisation; only entries of one kind can be merged")
        on_roster = {p for p in (a, b) if any(r.placeholder == p and r.origin == ROSTER for r in pmap.rows)}
        if b in on_roster and a not in on_roster:
            a, b = b, a
        pmap.merge(b, a)
        return self._save_and_reredact(client, pmap)

    def _save_and_reredact(self, client: Client, pmap: PseudonymMap) -> Reredaction:
        store = self._ctx.store
        with store.transaction():
            store.save_map(client.id, pmap)
            store.mark_reredact(client.id)
        return self._reredactor.reredact(client, everything=True)

    @staticmethod
    def _check_free(pmap: PseudonymMap, forms: list[str], owner: str | None) -> None:
        """A name or alias already on the roster for someone else is refused (it would be dropped)."""
        for form in forms:
            row = pmap.entry(fold(form))
            if row is not None and row.origin == ROSTER and not row.part and row.placeholder != owner:
                who = pmap.display(row.placeholder) or row.placeholder
                raise InputError(f"{form!r} is already on the roster for {who}; use another form or 'reflect person alias'")

    @staticmethod
    def _placeholder_of(pmap: PseudonymMap, client: Client, form: str) -> str:
        if PLACEHOLDER_RE.fullmatch(form.strip()):
            if pmap.display(form.strip()) is None:
                raise NotFoundError(f"{form.strip()} is not in the map of {client.name}")
            return form.strip()
        found = pmap.lookup(fold(form))
        if found is None:
            raise NotFoundError(f"{form!r} is not in the map of {client.name}; 'reflect person list' shows the entries")
        return found[1]
