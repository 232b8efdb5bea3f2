"""The core API: one coaching practice (a data directory) and everything a coach does with it.

``Practice`` owns the single-writer lock, the store, and lazily created components behind their
interfaces (detector, embedder, per-client indexes, language model), and wires the pipeline:

    note -> redaction gate -> store (original + redacted, map) -> chunks -> embeddings -> client index

Only ``RedactionGate.redact`` output reaches the embedder, the index and the model, and every prompt
is recorded (redacted) for ``reflect audit`` before it is sent. Real names are put back only by
``reidentify``, for display. Front ends (CLI, TUI) call this class and nothing below it.
Logs carry ids, counts and timings, never text.
"""

from __future__ import annotations

import logging
import shutil
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from reflect.core import hardening
from reflect.core.boundary import Outbound
from reflect.core.chunking import chunk, sentences
from reflect.core.commitments import Commitment
from reflect.core.commitments import extract as extract_commitments
from reflect.core.domain import Client, Evidence, Note, Passage, Person, PrepBrief, Question, Redaction, Theme
from reflect.core.crypto import KdfParams
from reflect.core.errors import InputError, ModelError, NotFoundError, PassphraseError, StoreInUseError
from reflect.core.faults import fault_point
from reflect.core.noteinput import NoteInput
from reflect.core.prompts import PromptLibrary
from reflect.core.redaction.gate import CLIENT_PLACEHOLDER, LEARNED, ROSTER, Detector, PseudonymMap, RedactionGate
from reflect.core.store import Store
from reflect.paths import DataPaths, default_data_dir
from reflect.settings import PassphraseSource, Settings, resolve_passphrase

if TYPE_CHECKING:
    import numpy as np

    from reflect.core.embedding import Embedder
    from reflect.core.index import VectorIndex
    from reflect.core.llm import LanguageModel

log = logging.getLogger(__name__)

LOCK_TIMEOUT_S = 1.5
QUESTION_COUNT = 5


#: Text-direction controls: marks, embeddings, overrides and isolates.
_BIDI_CONTROLS = frozenset("\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _fold(text: str) -> str:
    from reflect.core.redaction.text import fold

    return fold(text)


def _storable_id(value: int) -> bool:
    """An id SQLite can hold (a 20-digit number is simply not found, not an internal error)."""
    return 0 < value < 2**63


def _positions(passages: list[Passage]) -> list[Passage]:
    """What the index is handed: where each passage is and the digest of its text, never the text."""
    return [replace(p, text="", date="") for p in passages]


@dataclass
class ClientSummary:
    client: Client
    notes: int
    last_session: str | None
    people: int


@dataclass
class QuestionSet:
    questions: list[Question]
    status: str
    """What happened to the model's output, in words a coach can read."""
    rejected: list[tuple[str, str]] = field(default_factory=list)
    generation: object | None = None


@dataclass
class Followup:
    note: Note
    questions: list[Question]
    recap: str
    """Redacted recap draft; re-identify for display."""
    status: str


@dataclass
class Reredaction:
    """What re-redacting a client's stored notes did (after a roster change, a learned name, reindex)."""

    notes_checked: int = 0
    notes_changed: int = 0
    names_caught: int = 0
    """Identifiers newly replaced by a placeholder across the changed notes."""
    passages_reembedded: int = 0
    seconds: float = 0.0

    def describe(self) -> str:
        if not self.notes_changed:
            return f"checked {self.notes_checked} note(s): all already redacted with the current roster"
        return (f"re-redacted {self.notes_changed} note(s); {self.names_caught} name(s) newly caught; "
                f"{self.passages_reembedded} passage(s) re-embedded and the old vectors removed")


@dataclass
class DoctorCheck:
    name: str
    ok: bool | None
    """True passed, False failed (``reflect doctor`` exits 1), None is a warning."""
    detail: str


def acquire_lock(paths: DataPaths):
    """The cross-process single-writer lock of a data directory, or a clear error within 1.5 s.
    The OS releases it when the holder dies, so a crashed process never leaves it stuck."""
    from filelock import FileLock, Timeout

    lock = FileLock(str(paths.lock), timeout=LOCK_TIMEOUT_S, mode=0o600)
    try:
        lock.acquire()
    except Timeout:
        raise StoreInUseError(
            f"data directory {paths.root} is in use by another reflect process; close it and try again"
        ) from None
    return lock


class Practice:
    """One data directory, opened by one process at a time."""

    def __init__(
        self,
        paths: DataPaths,
        settings: Settings,
        *,
        detector: Detector | None = None,
        embedder: "Embedder | None" = None,
        llm: "LanguageModel | None" = None,
        index_factory: "Callable[[Path], VectorIndex] | None" = None,
    ):
        self.paths = paths
        self.settings = settings
        self._detector = detector
        self._embedder = embedder
        self._llm = llm
        self._index_factory = index_factory
        self._indexes: dict[str, VectorIndex] = {}
        # The app calls the core from several worker threads: components load once, under this lock,
        # and the language model (llama.cpp is not thread-safe) answers one request at a time.
        self._components_lock = threading.RLock()
        self._reredacting = False
        self._model_lock = threading.Lock()
        self._gate: RedactionGate | None = None
        self._theme_vectors: tuple | None = None
        self._bank_vectors: tuple[list, np.ndarray] | None = None
        self.prompts = PromptLibrary(Path(settings.prompts_dir) if settings.prompts_dir else paths.user_prompts)
        self._lock = None
        self.store: Store | None = None
        self.read_only = False
        self._created_store = False
        self.keys_created = False
        self.recovered: str | None = None
        """What opening did about a restore a kill interrupted (None when there was none)."""
        """True when this open created the practice's keys (first use, or sealing an older store)."""

    # lifecycle -----------------------------------------------------------------------------------
    @classmethod
    def open(
        cls,
        data_dir: Path | None = None,
        settings: Settings | None = None,
        *,
        passphrase: PassphraseSource = None,
        kdf: KdfParams | None = None,
        read_only: bool = False,
        **components,
    ) -> "Practice":
        """Open a practice and unlock it; a fresh data directory is set up on first use.

        ``passphrase`` is the passphrase, or a callable asked for it (``new=True`` when a practice is
        being created), or None for ``REFLECT_PASSPHRASE``. A writer takes the single-writer lock;
        ``read_only`` takes no lock and never writes, so reading works while the app is open.
        """
        paths = DataPaths((data_dir or default_data_dir()).expanduser().resolve())
        # A reader needs a store that exists, is current and has keys; otherwise it opens as a writer
        # once, which sets the practice up (first use) or brings an older store forward.
        from reflect.core import backup

        read_only = read_only and Store.ready_for_readers(paths.db) and not backup.pending(paths)
        if not read_only:
            try:
                paths.ensure()
            except OSError as exc:
                raise InputError(f"data directory {paths.root} cannot be used: {exc.strerror}") from None
        hardening.apply(str(paths.cache))
        settings = settings or Settings.load(paths.config)
        practice = cls(paths, settings, **components)
        practice.read_only = read_only
        try:
            practice._acquire(read_only)
        except BaseException:
            practice.close()
            raise
        try:
            practice._unlock(passphrase, kdf)
        except BaseException:
            created = practice._created_store
            practice.close()
            if created:  # nothing of a practice that never got a passphrase is left behind
                for leftover in (paths.db, paths.db.with_name(paths.db.name + "-wal"), paths.db.with_name(paths.db.name + "-shm")):
                    leftover.unlink(missing_ok=True)
            raise
        return practice

    @classmethod
    def detached(cls, data_dir: Path | None = None, settings: Settings | None = None, **components) -> "Practice":
        """A practice object with no store and no lock: for a redaction preview that needs only the gate."""
        paths = DataPaths((data_dir or default_data_dir()).expanduser().resolve())
        try:
            paths.ensure()
        except OSError as exc:
            raise InputError(f"data directory {paths.root} cannot be used: {exc.strerror}") from None
        hardening.apply(str(paths.cache))
        return cls(paths, settings or Settings.load(paths.config), **components)

    def _acquire(self, read_only: bool = False) -> None:
        if read_only:
            self.store = Store(self.paths.db, read_only=True)
            return
        self._lock = acquire_lock(self.paths)
        from reflect.core import backup

        # A restore killed half-way is finished or rolled back before anything opens the store, so
        # no command ever finds the store missing and starts an empty practice in its place.
        self.recovered = backup.recover(self.paths)
        # Decided under the lock: only the process that creates the store may remove it again.
        self._created_store = not self.paths.db.exists()
        self.store = Store(self.paths.db)

    def _unlock(self, source: PassphraseSource, kdf: KdfParams | None) -> None:
        if self.store.has_keys:
            try:
                self.store.unlock(resolve_passphrase(source, new=False))
            except PassphraseError as exc:
                if str(exc) == "wrong passphrase":
                    raise PassphraseError(f"wrong passphrase for the practice at {self.paths.root}") from None
                raise
            return
        if self.read_only:
            raise PassphraseError(f"the practice at {self.paths.root} has no passphrase yet; run 'reflect init'")
        legacy = not self.store.is_empty()
        self.store.setup(resolve_passphrase(source, new=True), kdf)
        self.keys_created = True
        log.info("practice keys created%s", "; existing rows sealed" if legacy else "")
        if legacy:
            # Indexes written before encryption kept passage text in Chroma's files: rebuild each
            # from the (now sealed) store into a new directory, so none of that text remains.
            for c in self.store.clients():
                self._rebuild_index(c, self.store.notes(c.id), reuse=False)
            log.info("indexes rebuilt without text for %d client(s)", len(self.store.client_ids()))

    def change_passphrase(self, new_passphrase: str, kdf: KdfParams | None = None) -> int:
        """Re-wrap the keys under a new passphrase (no note is re-encrypted); returns keys re-wrapped."""
        self._writable()
        count = self.store.change_passphrase(new_passphrase, kdf)
        log.info("passphrase changed; %d keys re-wrapped", count)
        return count

    def _writable(self) -> None:
        if self.read_only:
            raise StoreInUseError("this command was opened read-only and cannot change the practice")

    def close_indexes(self) -> None:
        """Close every open index (flushing Chroma), e.g. before its files are copied."""
        for index in self._indexes.values():
            index.close()
        self._indexes.clear()

    def close(self) -> None:
        self.close_indexes()
        if self.store is not None:
            self.store.close()
            self.store = None
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def __enter__(self) -> "Practice":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # components (lazy) ---------------------------------------------------------------------------
    @property
    def gate(self) -> RedactionGate:
        if self._gate is not None:
            return self._gate
        with self._components_lock:
            return self._load_gate()

    def _load_gate(self) -> RedactionGate:
        if self._gate is None:
            if self._detector is None:
                from reflect.core.redaction.presidio import PresidioDetector

                started = time.perf_counter()
                self._detector = PresidioDetector(self.settings.spacy_model)
                log.info("detector loaded in %.2fs", time.perf_counter() - started)
            self._gate = RedactionGate(self._detector)
        return self._gate

    @property
    def embedder(self) -> "Embedder":
        if self._embedder is not None:
            return self._embedder
        with self._components_lock:
            return self._load_embedder()

    def _load_embedder(self) -> "Embedder":
        if self._embedder is None:
            from reflect.core.embedding import MiniLMEmbedder

            started = time.perf_counter()
            self._embedder = MiniLMEmbedder(threads=min(2, self.settings.n_threads))
            log.info("embedder loaded in %.2fs", time.perf_counter() - started)
        return self._embedder

    @property
    def llm(self) -> "LanguageModel":
        if self._llm is not None:
            return self._llm
        with self._components_lock:
            return self._load_llm()

    def _load_llm(self) -> "LanguageModel":
        if self._llm is None:
            from reflect.core.llm import LlamaCppModel
            from reflect.core.models import locate, manifest

            if self.settings.model:
                path, sha = Path(self.settings.model).expanduser(), self.settings.model_sha256
            else:
                path, sha = locate("chat"), manifest()["chat"].sha256
            started = time.perf_counter()
            self._llm = LlamaCppModel(
                path, sha256=sha, n_ctx=self.settings.n_ctx, n_threads=self.settings.n_threads, seed=self.settings.seed
            )
            log.info("model loaded in %.2fs", time.perf_counter() - started)
        return self._llm

    def index(self, client: Client) -> "VectorIndex":
        if self.read_only:
            raise StoreInUseError("this command needs the index, which only the process holding the data directory may open")
        found = self._indexes.get(client.id)
        if found is not None:
            return found
        with self._components_lock:
            opened = self._open_index(client)
        if not self._reredacting and self.store.reredact_pending(client.id):
            # A roster change (or a learned name) committed, but a crash stopped its re-redaction:
            # finish it before anything reads this index.
            log.warning("client %s: finishing a re-redaction a crash interrupted", client.id)
            self.reredact(client, everything=True, rebuild=True)
        return opened

    def _open_index(self, client: Client) -> "VectorIndex":
        if client.id not in self._indexes:
            if self._index_factory is not None:
                self._indexes[client.id] = self._index_factory(self.paths.client_index(client.id))
            else:
                from reflect.core.index import ChromaIndex

                self._indexes[client.id] = ChromaIndex(self.paths.client_index(client.id))
        return self._indexes[client.id]

    # clients and roster --------------------------------------------------------------------------
    @staticmethod
    def _check_free(pmap: PseudonymMap, forms: list[str], owner: str | None) -> None:
        """A name or alias already on the roster for someone else is refused (it would be dropped)."""
        for form in forms:
            row = pmap.entry(_fold(form))
            if row is not None and row.origin == ROSTER and not row.part and row.placeholder != owner:
                who = pmap.display(row.placeholder) or row.placeholder
                raise InputError(f"{form!r} is already on the roster for {who}; use another form or 'reflect person alias'")

    def _check_name(self, name: str, what: str) -> str:
        import unicodedata

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

    def add_client(self, name: str, aliases: list[str] | tuple[str, ...] = ()) -> Client:
        name = self._check_name(name, "client")
        aliases = [self._check_name(a, "alias") for a in aliases]
        if self.store.client_by_key(name) is not None:
            raise InputError(f"a client named {name!r} already exists")
        with self.store.transaction():
            client = self.store.add_client(name, aliases)
            pmap = PseudonymMap(rows=[])
            pmap.register("PERSON", name, aliases, placeholder=CLIENT_PLACEHOLDER)
            self.store.add_vault_entries(client.id, pmap.new_rows)
        log.info("client %s added", client.id)
        return client

    def client(self, key: str) -> Client:
        """A client by short id, name or alias (case- and accent-insensitive), or a beginning of the name
        that fits one client only; a near miss gets "did you mean …?"."""
        import difflib

        from reflect.core.redaction.text import fold

        found = self.store.client_by_key(key)
        if found is not None:
            return found
        wanted = fold("".join(c for c in key if c not in "\u200b\u00ad\ufeff\u2060"))
        if not wanted:
            raise NotFoundError("no client given; 'reflect client list' shows the clients")
        everyone = self.store.clients()
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
        out = []
        for c in self.store.clients():
            dates = self.store.note_dates(c.id)
            out.append(ClientSummary(c, len(dates), dates[-1][1] if dates else None, self.store.people_count(c.id)))
        return out

    def add_person(
        self, client: Client, name: str, aliases: list[str] | tuple[str, ...] = (), role: str | None = None, *, org: bool = False,
    ) -> tuple[Person, Reredaction]:
        """Put someone (or an organisation: ``org``, or the role "employer") around the client on the
        roster: every form of their name is always redacted, in the notes already stored too."""
        name = self._check_name(name, "person")
        aliases = [self._check_name(a, "alias") for a in aliases]
        self._check_free(self.pseudonym_map(client), [name, *aliases], None)
        organisation = org or bool(role and role.strip().lower() in {"employer", "organisation", "organization", "company", "org"})
        kind = "ORG" if organisation else "PERSON"
        pmap = self.pseudonym_map(client)
        extra = self.gate.roster_forms(kind, name)  # an organisation's distinctive first word
        with self.store.transaction():
            person = self.store.add_person(client.id, name, aliases, role, kind)
            pmap.register(kind, name, aliases, short_forms=extra)
            everything = bool(pmap.changed_rows or pmap.removed_rows)  # forms re-pointed: every note follows
            self.store.save_map(client.id, pmap)
            self.store.mark_reredact(client.id)
        log.info("person %s added for client %s", person.id, client.id)
        return person, self.reredact(client, everything=everything)

    def add_alias(self, client: Client, alias: str, person: Person | None = None) -> Reredaction:
        """Another name for the client (or for someone on their roster); stored notes follow."""
        alias = self._check_name(alias, "alias")
        pmap = self.pseudonym_map(client)
        owner = CLIENT_PLACEHOLDER if person is None else (pmap.lookup(_fold(person.name)) or (None, None))[1]
        self._check_free(pmap, [alias], owner)
        with self.store.transaction():
            if person is None:
                self.store.set_client_aliases(client.id, [*client.aliases, alias])
                pmap.register("PERSON", client.name, [alias], placeholder=CLIENT_PLACEHOLDER)
            else:
                self.store.set_person_aliases(person.id, client.id, [*person.aliases, alias])
                pmap.register(person.kind, person.name, [alias])
            everything = bool(pmap.changed_rows or pmap.removed_rows)
            self.store.save_map(client.id, pmap)
            self.store.mark_reredact(client.id)
        log.info("alias added for client %s", client.id)
        return self.reredact(client, everything=everything)

    def person(self, client: Client, name: str) -> Person:
        """Someone on a client's roster, by name or alias (any case or typographic form)."""
        from reflect.core.redaction.text import fold

        key = fold(name)
        for p in self.store.people(client.id):
            if key in {fold(p.name), *(fold(a) for a in p.aliases)}:
                return p
        raise NotFoundError(f"no one called {name!r} on the roster of {client.name}; 'reflect person list' shows it")

    def roster_entries(self, client: Client) -> list[dict]:
        """Every entry of the client's map, roster and learned, grouped by placeholder: what is
        redacted, as what, and where it came from (for ``reflect person list`` and the app)."""
        pmap = self.pseudonym_map(client)
        people = {p.name: p for p in self.store.people(client.id)}
        groups: dict[str, dict] = {}
        for row in pmap.rows:
            if row.origin == "ignored":
                groups.setdefault(f"ignored:{row.key}", {"placeholder": None, "type": None, "origin": "not a name", "forms": [row.surface], "role": None})
                continue
            group = groups.setdefault(row.placeholder, {"placeholder": row.placeholder, "type": row.type, "origin": row.origin, "forms": [], "role": None})
            if row.origin == ROSTER:
                group["origin"] = ROSTER
            elif row.origin == LEARNED and group["origin"] != ROSTER:
                group["origin"] = LEARNED
            if row.surface not in group["forms"]:
                group["forms"].append(row.surface)
            if row.surface in people:
                group["role"] = people[row.surface].role
        return list(groups.values())

    def not_a_name(self, client: Client, form: str) -> Reredaction:
        """The coach says a learned form is not a name ("Spoke", "Jan"): it leaves the map, is never
        learned again for this client, and the stored notes are re-redacted without it."""
        from reflect.core.redaction.text import fold

        pmap = self.pseudonym_map(client)
        row = pmap.entry(fold(form))
        if row is not None and row.origin == ROSTER:
            raise InputError(f"{form!r} is on the roster of {client.name}: it stays redacted (the coach put it there)")
        if row is None and not pmap.ignored(fold(form)):
            raise NotFoundError(f"{form!r} is not in the map of {client.name}; 'reflect person list' shows the entries")
        pmap.ignore(form)
        with self.store.transaction():
            self.store.save_map(client.id, pmap)
            self.store.mark_reredact(client.id)
        return self.reredact(client, everything=True)

    def merge(self, client: Client, first: str, second: str) -> Reredaction:
        """Two entries that are one person: the second's forms take the first's placeholder (a roster
        entry's placeholder always wins). ``first``/``second`` are forms or placeholders."""
        pmap = self.pseudonym_map(client)
        a, b = self._placeholder_of(pmap, client, first), self._placeholder_of(pmap, client, second)
        if a == b:
            raise InputError(f"{first!r} and {second!r} are already one entry ({a})")
        if CLIENT_PLACEHOLDER in (a, b):
            raise InputError(f"to make a form the client's own, use 'reflect client alias {client.name} FORM' (a merge cannot be undone)")
        types = {r.type for r in pmap.rows if r.placeholder in (a, b)}
        if len(types) > 1:
            raise InputError(f"{first!r} and {second!r} are a person and an organisation; only entries of one kind can be merged")
        if b == CLIENT_PLACEHOLDER or (any(r.placeholder == b and r.origin == ROSTER for r in pmap.rows)
                                       and not any(r.placeholder == a and r.origin == ROSTER for r in pmap.rows)):
            a, b = b, a
        pmap.merge(b, a)
        with self.store.transaction():
            self.store.save_map(client.id, pmap)
            self.store.mark_reredact(client.id)
        return self.reredact(client, everything=True)

    @staticmethod
    def _placeholder_of(pmap: PseudonymMap, client: Client, form: str) -> str:
        from reflect.core.redaction.gate import PLACEHOLDER_RE
        from reflect.core.redaction.text import fold

        if PLACEHOLDER_RE.fullmatch(form.strip()):
            if pmap.display(form.strip()) is None:
                raise NotFoundError(f"{form.strip()} is not in the map of {client.name}")
            return form.strip()
        found = pmap.lookup(fold(form))
        if found is None:
            raise NotFoundError(f"{form!r} is not in the map of {client.name}; 'reflect person list' shows the entries")
        return found[1]

    def people(self, client: Client) -> list[Person]:
        return self.store.people(client.id)

    def pseudonym_map(self, client: Client) -> PseudonymMap:
        return PseudonymMap(rows=self.store.vault(client.id))

    def _outbound(self, client_id: str) -> Outbound:
        """The hand-off check with the client's map as it is now (see ``reflect.core.boundary``)."""
        return Outbound(PseudonymMap(rows=self.store.vault(client_id)), client_id)

    def _embed(self, client_id: str, texts: list[str]) -> "np.ndarray":
        """The one door to the embedder for a client's text: checked against the current map first."""
        return self.embedder.embed(self._outbound(client_id).texts(texts))

    # redaction -----------------------------------------------------------------------------------
    def preview_redaction(self, text: str, client: Client | None = None) -> Redaction:
        """Redact without storing anything (the client's map is used but not changed)."""
        pmap = self.pseudonym_map(client).copy() if client else PseudonymMap()
        return self.gate.redact(text, pmap)

    def reidentify(self, client: Client, text: str) -> str:
        return self.pseudonym_map(client).reidentify(text)

    # notes ---------------------------------------------------------------------------------------
    def add_notes(self, client: Client, inputs: list[NoteInput], progress: Callable[[int, int], None] | None = None) -> list[Note]:
        """Redact, store and index notes: all of them or none.

        Every note is redacted before anything is stored (fail closed); the store transaction commits
        only after the index has accepted every passage.
        """
        if not inputs:
            raise InputError("no notes to add")
        started = time.perf_counter()
        for item in inputs:
            if not item.text.strip():
                raise InputError(f"{item.source} is empty: nothing to add")
            if len(item.text) > self.settings.max_note_chars:
                raise InputError(f"{item.source} is longer than the limit of {self.settings.max_note_chars:,} characters")
        pmap = self.pseudonym_map(client)
        gate, embedder = self.gate, self.embedder
        outbound = Outbound(pmap, client.id)  # the live map: what this batch learns applies at once
        redactions: list[Redaction] = []
        pending = []
        # Redact note i+1 while note i's passages are embedded (onnxruntime releases the GIL). Only
        # redacted text is submitted; if any note fails redaction, nothing below runs.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="reflect-embed") as pool:
            for item in inputs:
                redaction = gate.redact(item.text, pmap)
                redactions.append(redaction)
                pending.append(pool.submit(embedder.embed, outbound.texts(chunk(redaction.redacted))))
            note_vectors = [f.result() for f in pending]
        learned = any(row.origin == LEARNED for row in pmap.new_rows)
        t_redact = time.perf_counter()
        index = self.index(client)
        stored: list[Note] = []
        added_ids: list[int] = []
        try:
            with self.store.transaction():
                self.store.save_map(client.id, pmap)
                if learned:
                    self.store.mark_reredact(client.id)
                for item, redaction in zip(inputs, redactions):
                    note_id = self.store.add_note(client.id, item.date, item.text, redaction.redacted)
                    stored.append(Note(note_id, client.id, item.date, item.text, redaction.redacted))
                    self.store.add_commitments(client.id, note_id, extract_commitments(redaction.redacted))
                fault_point("import:in-transaction")
                passages = [p for note in stored for p in self._passages(note)]
                import numpy as np

                vectors = np.concatenate(note_vectors) if passages else np.zeros((0, embedder.dimensions), np.float32)
                t_embed = time.perf_counter()
                added_ids = [n.id for n in stored]
                index.add(_positions(passages), vectors)
                fault_point("import:indexed")
        except BaseException:
            if added_ids:
                try:
                    index.delete_notes(added_ids)
                except Exception:  # pragma: no cover - reindex repairs the derived index
                    log.error("could not remove partially indexed notes; run 'reflect reindex'")
            raise
        log.info(
            "client %s: %d notes, %d passages; redact+embed %.3fs, store %.3fs, index %.3fs",
            client.id, len(stored), len(passages), t_redact - started, t_embed - t_redact, time.perf_counter() - t_embed,
        )
        fault_point("import:committed")
        if progress:
            progress(len(stored), len(inputs))
        if learned:
            # The batch taught the map a name: earlier notes that mention it are re-redacted.
            self.reredact(client)
        return stored

    def edit_note(self, client: Client, note_id: int, item: NoteInput) -> Note:
        """Replace a note's text (and date): redacted again (fail closed), its commitments re-derived, and
        the client's index replaced as a whole (the old version's vectors leave no trace, as with
        ``forget``). The store change is all or nothing; should the index update fail afterwards,
        ``reflect reindex`` rebuilds it from the store. The map keeps what it learned."""
        old = self.note(client, note_id)
        if not item.text.strip():
            raise InputError("the note is empty: nothing to save")
        if len(item.text) > self.settings.max_note_chars:
            raise InputError(f"the note is longer than the limit of {self.settings.max_note_chars:,} characters")
        pmap = self.pseudonym_map(client)
        redaction = self.gate.redact(item.text, pmap)
        learned = any(row.origin == LEARNED for row in pmap.new_rows)
        note = Note(old.id, client.id, item.date, item.text, redaction.redacted)
        with self.store.transaction():
            self.store.save_map(client.id, pmap)
            if learned:
                self.store.mark_reredact(client.id)
            self.store.update_note(client.id, note_id, item.date, item.text, redaction.redacted)
            self.store.refresh_commitments(client.id, note_id, extract_commitments(redaction.redacted))
        embedded = self._rebuild_index(client, self.store.notes(client.id))
        log.info("client %s: note %s edited, %d passages embedded", client.id, note_id, embedded)
        if learned:
            self.reredact(client)
        return note

    def delete_note(self, client: Client, note_id: int) -> None:
        """Erase one note to the standard of ``forget``: its row and commitments go (SQLite's secure
        delete zeroes their pages, the write-ahead log is checkpointed and the file vacuumed), and the
        client's index is replaced by one without its passages; themes follow at the next look."""
        self.note(client, note_id)  # NotFoundError when there is no such note
        with self.store.transaction():
            self.store.delete_note(client.id, note_id)
        if not self.store.purge():
            log.warning("a reader kept old pages in the write-ahead log; they are removed at the next checkpoint")
        self._rebuild_index(client, self.store.notes(client.id))
        log.info("client %s: note %s deleted", client.id, note_id)

    def redate_note(self, client: Client, note_id: int, when: date) -> Note:
        """Change a note's session date only (its text, redaction and index entries stay)."""
        note = self.note(client, note_id)
        with self.store.transaction():
            self.store.set_note_date(client.id, note_id, when)
        return replace(note, date=when)

    def _passages(self, note: Note) -> list[Passage]:
        return [
            Passage(note.id, note.date.isoformat(), text, i, digest=self.store.digest(note.client_id, text))
            for i, text in enumerate(chunk(note.redacted))
        ]

    def notes(self, client: Client) -> list[Note]:
        return self.store.notes(client.id)

    def note(self, client: Client, note_id: int) -> Note:
        found = self.store.note(client.id, note_id) if _storable_id(note_id) else None
        if found is None:
            raise NotFoundError(f"{client.name} has no note {note_id}; 'reflect note list' shows the notes")
        return found

    # retrieval -----------------------------------------------------------------------------------
    def search(self, client: Client, query: str, k: int | None = None) -> list[Passage]:
        """Most relevant passages of one client's notes. The query is redacted first: it may name people."""
        if not query.strip():
            raise InputError("the search query is empty")
        k = k or self.settings.search_k
        if k < 1 or k > 100:
            raise InputError("-k must be between 1 and 100")
        redacted_query = self.gate.redact(query, self.pseudonym_map(client).copy()).redacted
        vector = self._embed(client.id, [redacted_query])[0]
        return [p for p in self._with_text(client, self.index(client).query(vector, k)) if p is not None]

    def _with_text(self, client: Client, found: list[Passage], notes: list[Note] | None = None) -> list[Passage | None]:
        """Put the (sealed, redacted) text and date back on passages the index returned by position,
        from ``notes`` or else the store. A position the store does not have (an index out of step;
        'reflect reindex' repairs it) comes back as None, so callers can keep rows aligned with vectors."""
        known = {note.id: note for note in notes or []}
        by_note: dict[int, list[Passage]] = {}
        out: list[Passage | None] = []
        for p in found:
            if p.note_id not in by_note:
                note = known.get(p.note_id) if notes is not None else self.store.note(client.id, p.note_id)
                by_note[p.note_id] = self._passages(note) if note else []
            stored = by_note[p.note_id]
            out.append(replace(stored[p.chunk], score=p.score) if p.chunk < len(stored) else None)
        return out

    def _taxonomy_vectors(self):
        from reflect.core.themes import theme_phrases

        if self._theme_vectors is None:
            taxonomy = self.prompts.taxonomy()
            phrases, owner = theme_phrases(taxonomy)
            self._theme_vectors = (taxonomy, self.embedder.embed(phrases), owner)
        return self._theme_vectors

    def themes(self, client: Client, since: date | None = None) -> list[Theme]:
        from reflect.core.themes import combine, emergent_themes, find_themes, similarity

        notes = [n for n in self.store.notes(client.id) if since is None or n.date >= since]
        positions, vectors = self.index(client).all()
        passages = self._with_text(client, positions, notes)
        rows = [i for i, p in enumerate(passages) if p is not None]
        if not rows:
            return []
        taxonomy, phrase_vectors, owner = self._taxonomy_vectors()
        kept = [passages[i] for i in rows]
        sims = similarity(vectors[rows], phrase_vectors, owner, len(taxonomy))
        named = find_themes(notes, kept, sims, taxonomy)
        return combine(named, emergent_themes(notes, kept, vectors[rows]))

    # commitments ---------------------------------------------------------------------------------
    def commitments(self, client: Client, horizon: int = 4) -> list[Commitment]:
        """Every commitment in a client's notes with its status: the coach's if set, else inferred
        from the sentences of the next ``horizon`` sessions (where a commitment's fate is reported)."""
        from reflect.core.commitments import infer_status

        rows = self.store.commitments(client.id)
        if not rows:
            return []
        items = [Commitment(r["id"], r["note_id"], r["date"], r["text"]) for r in rows]
        notes = self.store.notes(client.id)
        position = {n.id: i for i, n in enumerate(notes)}
        needed = sorted({j for c in items for j in range(position[c.note_id] + 1, min(len(notes), position[c.note_id] + 1 + horizon))})
        sentence_rows = [(notes[j].id, notes[j].date.isoformat(), s) for j in needed for s in sentences(notes[j].redacted)]
        vectors = self._embed(client.id, [c.text for c in items] + [s for _, _, s in sentence_rows])
        vectors_c, vectors_s = vectors[: len(items)], vectors[len(items) :]
        later, later_vectors = [], []
        for c in items:
            window = {notes[j].id for j in range(position[c.note_id] + 1, min(len(notes), position[c.note_id] + 1 + horizon))}
            idx = [k for k, row in enumerate(sentence_rows) if row[0] in window]
            later.append([sentence_rows[k] for k in idx])
            later_vectors.append(vectors_s[idx] if idx else vectors_s[:0])
        for c, (status, evidence), row in zip(items, infer_status(vectors_c, later, later_vectors), rows):
            c.evidence = evidence
            if row["status"]:
                c.status, c.source = row["status"], "coach"
            else:
                c.status = status
        return items

    def set_commitment(self, client: Client, commitment_id: int, status: str | None) -> None:
        """The coach's word on a commitment: open, done, dropped, or None to go back to inferring."""
        if status not in {None, "open", "done", "dropped"}:
            raise InputError(f"unknown status {status!r}: use open, done or dropped")
        with self.store.transaction():
            if not _storable_id(commitment_id) or not self.store.set_commitment_status(client.id, commitment_id, status):
                raise NotFoundError(f"{client.name} has no commitment {commitment_id}; 'reflect commitment list' shows them")

    # model calls ---------------------------------------------------------------------------------
    def _ask(self, client: Client, purpose: str, messages: list[dict[str, str]], schema: dict, on_text, cancelled):
        """The one door to the model: check the prompt against the client's current map, record the
        exact (redacted) prompt, then generate."""
        outbound = self._outbound(client.id)
        # The system message is reflect's own fixed text: only what carries the client's material is checked.
        messages = [m if m.get("role") == "system" else {**m, "content": outbound.text(m["content"])} for m in messages]
        rendered = "\n\n".join(f"[{m['role']}]\n{m['content']}" for m in messages)
        with self.store.transaction():
            self.store.record_prompt(client.id, purpose, rendered)
        with self._model_lock:
            generation = self.llm.generate(
                messages, schema, max_tokens=self.settings.max_tokens, timeout_s=self.settings.generation_timeout_s,
                on_text=on_text, cancelled=cancelled,
            )
        log.info(
            "client %s %s: %d tokens in %.2fs (%s)", client.id, purpose, generation.tokens, generation.seconds, generation.stop
        )
        return generation

    def _context_passages(self, client: Client, themes: list[Theme], open_commitments: list | None = None, limit: int = 6) -> list[Passage]:
        """What the model is shown: passages of the latest session, the passages holding the two most
        recent open commitments, then the best passage per recurring theme."""
        notes = self.store.notes(client.id)
        if not notes:
            return []
        latest = notes[-1]
        chosen = self._passages(latest)[:3]
        seen = {(p.note_id, p.text) for p in chosen}
        for c in sorted(open_commitments or [], key=lambda c: c.date, reverse=True)[:2]:
            note = self.store.note(client.id, c.note_id)
            for p in self._passages(note) if note else []:
                if c.text[:40] in p.text and (p.note_id, p.text) not in seen:
                    chosen.append(p)
                    seen.add((p.note_id, p.text))
                    break
        for theme in themes:
            for ev in theme.evidence[:1]:
                note = self.store.note(client.id, ev.note_id)
                if note is None:
                    continue
                for p in self._passages(note):
                    if ev.text.rstrip("…") and p.text.startswith(ev.text.rstrip("…")[:60]) and (p.note_id, p.text) not in seen:
                        chosen.append(p)
                        seen.add((p.note_id, p.text))
                        break
            if len(chosen) >= limit:
                break
        return chosen[:limit]

    def _leak_check(self, client: Client):
        outbound = self._outbound(client.id)
        return lambda text: bool(outbound.leaks(text))

    def _bank(self, client: Client, themes: list[Theme], context: list[Passage]):
        from reflect.core.questions import rank_bank

        if self._bank_vectors is None:
            bank = self.prompts.question_bank()
            self._bank_vectors = (bank, self.embedder.embed([q.text for q in bank]))
        bank, vectors = self._bank_vectors
        context_vector = None
        if context:
            import numpy as np

            v = self._embed(client.id, [p.text for p in context]).mean(axis=0)
            context_vector = v / max(float(np.linalg.norm(v)), 1e-9)
        return rank_bank(bank, vectors, themes, context_vector)

    def questions(
        self, client: Client, themes: list[Theme] | None = None, on_text=None, cancelled=None, commitments: list | None = None
    ) -> QuestionSet:
        """Five reflection questions: the model's that pass validation, topped up from the bank."""
        from reflect.core.questions import fill_from_bank, format_passages, schema, validate

        if self.store.note_count(client.id) == 0:
            raise InputError(f"{client.name} has no notes yet; add one with 'reflect note add'")
        themes = self.themes(client) if themes is None else themes
        if commitments is None:
            commitments = [c for c in self.commitments(client) if c.status == "open"]
        context = self._context_passages(client, themes, [c for c in commitments if c.status == "open"])
        template = self.prompts.template("questions")
        messages = template.messages(
            themes=", ".join(t.label for t in themes[:5]) or "none yet", passages=format_passages(context), count=QUESTION_COUNT
        )
        known = self.pseudonym_map(client).placeholders()
        try:
            generation = self._ask(client, "questions", messages, schema(len(context), QUESTION_COUNT), on_text, cancelled)
            result = validate(generation.text, context, known, self._leak_check(client), QUESTION_COUNT)
        except ModelError:
            raise
        accepted = result.accepted
        fallback_evidence = [Evidence(p.note_id, p.date, p.text) for p in context]
        questions = fill_from_bank(accepted, self._bank(client, themes, context), fallback_evidence, QUESTION_COUNT)
        replaced = len(questions) - len(accepted)
        if not result.schema_valid:
            status = f"the model's answer was not valid JSON ({generation.stop}); all {replaced} questions come from the question bank"
        elif replaced:
            reasons = sorted({r for r, _ in result.rejected}) or ["too few questions"]
            status = f"{len(accepted)} from the model; {replaced} from the question bank (model output rejected: {', '.join(reasons)})"
        else:
            status = "all questions from the model, each validated"
        return QuestionSet(questions, status, result.rejected, generation)

    def summary(self, note: Note, limit: int = 3) -> list[str]:
        """Extractive summary: the note's most central sentences, in their original order (redacted)."""
        import numpy as np

        sents = sentences(note.redacted)
        if len(sents) <= limit:
            return sents
        vectors = self._embed(note.client_id, sents)
        centre = vectors.mean(axis=0)
        scores = vectors @ centre
        top = sorted(np.argsort(-scores)[:limit])
        return [sents[i] for i in top]

    def prep(self, client: Client, on_text=None, cancelled=None) -> PrepBrief:
        notes = self.store.notes(client.id)
        if not notes:
            raise InputError(f"{client.name} has no notes yet; add one with 'reflect note add'")
        themes = self.themes(client)
        latest = notes[-1].id
        every = self.commitments(client)
        commitments = [
            c for c in every
            if c.note_id != latest and (c.status == "open" or any(e[0] == latest for e in c.evidence))
        ]
        commitments += [c for c in every if c.note_id == latest]  # agreed last time
        qs = self.questions(client, themes, on_text=on_text, cancelled=cancelled, commitments=commitments)
        return PrepBrief(client, notes[-1], self.summary(notes[-1]), themes, qs.questions, qs.status, commitments)

    def followup(self, client: Client, note_id: int | None = None, on_text=None, cancelled=None) -> Followup:
        """Follow-up questions and a recap draft for one session (the latest by default)."""
        import json

        from reflect.core.questions import fill_from_bank, format_passages, validate

        notes = self.store.notes(client.id)
        if not notes:
            raise InputError(f"{client.name} has no notes yet; add one with 'reflect note add'")
        note = self.note(client, note_id) if note_id is not None else notes[-1]
        context = self._passages(note)[:6]
        count = 3
        schema = {
            "type": "object",
            "properties": {
                "questions": {
                    "type": "array", "minItems": 1, "maxItems": count,
                    "items": {
                        "type": "object",
                        "properties": {
                            "question": {"type": "string", "minLength": 10, "maxLength": 200},
                            "passage": {"type": "integer", "enum": list(range(1, len(context) + 1))},
                        },
                        "required": ["question", "passage"],
                    },
                },
                "recap": {"type": "string", "minLength": 20, "maxLength": 600},
            },
            "required": ["questions", "recap"],
        }
        messages = self.prompts.template("followup").messages(passages=format_passages(context), count=count)
        generation = self._ask(client, "followup", messages, schema, on_text, cancelled)
        known = self.pseudonym_map(client).placeholders()
        result = validate(generation.text, context, known, self._leak_check(client), count)
        recap = ""
        try:
            recap = " ".join(str(json.loads(generation.text).get("recap", "")).split())
        except (ValueError, AttributeError):
            pass
        from reflect.core.redaction.gate import PLACEHOLDER_RE

        if (
            not recap or self._leak_check(client)(recap) or "http" in recap.lower()
            or any(p not in known for p in PLACEHOLDER_RE.findall(recap))
        ):
            recap = " ".join(self.summary(note))
            recap_source = "extractive (model recap rejected)"
        else:
            recap_source = "model"
        themes = self.themes(client)
        fallback_evidence = [Evidence(p.note_id, p.date, p.text) for p in context]
        questions = fill_from_bank(result.accepted, self._bank(client, themes, context), fallback_evidence, count)
        status = f"{len(result.accepted)} questions from the model, {count - len(result.accepted)} from the bank; recap: {recap_source}"
        return Followup(note, questions, recap, status)

    # audit, erasure, maintenance -----------------------------------------------------------------
    def audit(self, client: Client | None = None) -> list[dict]:
        """The recorded prompts, each marked with how many names it holds that have been put on the
        roster (or learned) since it was sent (``names_redacted_since``; 0 when in step)."""
        rows = self.store.prompts(client.id if client else None)
        outbound: dict[str, Outbound] = {}
        for row in rows:
            cid = row.pop("client_id")
            row["client"] = cid
            if cid is not None and cid not in outbound:
                outbound[cid] = self._outbound(cid)
            row["names_redacted_since"] = outbound[cid].leaks(row["prompt"]) if cid is not None else 0
        return rows

    def redaction_scan(self) -> list[DoctorCheck]:
        """Every stored redacted text, every passage the index was built from, and every recorded
        prompt checked against each client's current roster and map. Reports counts, never text."""
        checks = []
        for c in self.store.clients():
            outbound = self._outbound(c.id)
            notes = self.store.notes(c.id)
            passages = [p for n in notes for p in self._passages(n)]
            leaks = sum(outbound.leaks(n.redacted) for n in notes)
            leaks += sum(outbound.leaks(row["text"]) for row in self.store.commitments(c.id))
            positions, _ = self.index(c).all()
            current = {(p.note_id, p.chunk): p.digest for p in passages}
            stale = sum(1 for p in positions if current.get((p.note_id, p.chunk)) != p.digest)
            stale += len(set(current) - {(p.note_id, p.chunk) for p in positions})
            prompts = sum(1 for row in self.store.prompts(c.id) if outbound.leaks(row["prompt"]))
            detail = (f"{leaks} name(s) the roster or map knows found in stored redacted text; "
                      f"{stale} indexed passage(s) not computed from the current redacted text")
            fix = "; run 'reflect reindex'" if leaks or stale else ""
            checks.append(DoctorCheck(f"redaction {c.id}", not leaks and not stale, detail + fix))
            if prompts:
                checks.append(DoctorCheck(
                    f"prompts {c.id}", None,
                    f"{prompts} recorded prompt(s) were sent before a name in them was put on the roster ('reflect audit' marks them)",
                ))
        return checks

    def forget(self, client: Client) -> None:
        """Erase a client: store rows (notes, roster, map, prompts) and their whole index directory."""
        index = self._indexes.pop(client.id, None)
        if index is not None:
            index.close()
        with self.store.transaction():
            self.store.delete_client(client.id)  # with it goes the client's wrapped data key
        if not self.store.purge():
            log.warning("a reader kept old pages in the write-ahead log; they are removed at the next checkpoint")
        self._remove_leftovers()
        from reflect.core.index import leftovers

        failed: list[str] = []
        for path in (self.paths.client_index(client.id), *leftovers(self.paths.client_index(client.id))):
            if path.exists():
                shutil.rmtree(path, onexc=lambda _f, p, _e: failed.append(p)) if sys.version_info >= (3, 12) else \
                    shutil.rmtree(path, onerror=lambda _f, p, _e: failed.append(p))
        if failed:
            from reflect.core.errors import ReflectError

            log.error("client %s: %d file(s) of the index could not be removed", client.id, len(failed))
            raise ReflectError(
                f"the client's notes, roster and keys are erased, but {len(failed)} file(s) of their index could not be "
                f"removed: {', '.join(sorted(failed)[:3])}{' …' if len(failed) > 3 else ''}; remove them by hand"
            )
        log.info("client %s forgotten", client.id)

    def _remove_leftovers(self) -> None:
        """Copies of the store a crashed backup or restore left behind (they would still hold a
        forgotten client's sealed rows and key). Safe under the lock: no backup or restore is running."""
        from reflect.core import backup

        if backup.pending(self.paths):  # never remove what an unfinished restore needs (recovered at open)
            return
        stale = [*self.paths.cache.glob("backup-*.db"), *self.paths.root.glob(".restore-*"), *self.paths.root.glob(".replaced-*")]
        stale = [p for p in stale if p.name != backup.JOURNAL]
        for path in stale:
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
        if stale:
            log.info("removed %d leftover copies of the store", len(stale))

    def reredact(self, client: Client, *, everything: bool = False, index: bool = True, rebuild: bool = False) -> Reredaction:
        """Bring a client's stored notes in step with their current roster and map.

        Each note that still holds a name the map knows (or, with ``everything``, each note) is
        redacted again from its sealed original; a note whose redacted text changes is stored anew,
        its commitments re-derived (the coach's statuses kept), and the client's index is replaced as
        a whole (``VectorIndex.replace_all``): passages that changed are re-embedded, the others keep
        their vectors, and no vector computed from the old text is left in any file.
        """
        started = time.perf_counter()
        self._reredacting = True
        try:
            report = self._reredact(client, everything=everything, index=index, rebuild=rebuild)
        finally:
            self._reredacting = False
        report.seconds = time.perf_counter() - started
        log.info("client %s: re-redaction checked %d notes, changed %d, %d names, %d passages re-embedded in %.2fs",
                 client.id, report.notes_checked, report.notes_changed, report.names_caught, report.passages_reembedded, report.seconds)
        return report

    def _reredact(self, client: Client, *, everything: bool, index: bool, rebuild: bool = False) -> Reredaction:
        report = Reredaction()
        pmap = self.pseudonym_map(client)
        outbound = Outbound(pmap, client.id)
        notes = self.store.notes(client.id)
        report.notes_checked = len(notes)
        changed: dict[int, Note] = {}
        # Redacting one note may teach the map a name another note holds: repeat until nothing changes.
        for _round in range(3):
            todo = [n for n in notes if everything or outbound.leaks(changed.get(n.id, n).redacted)]
            everything = False
            if not todo:
                break
            known = len(pmap.rows)
            for note in todo:
                current = changed.get(note.id, note)
                redaction = self.gate.redact(note.original, pmap)
                if redaction.redacted != current.redacted:
                    changed[note.id] = replace(current, redacted=redaction.redacted)
            if not any(row.origin == LEARNED for row in pmap.rows[known:]):
                break
        scrub = outbound.text
        if pmap.dirty or changed:
            before = {n.id: n.redacted for n in notes}
            with self.store.transaction():
                self.store.save_map(client.id, pmap)
                for note in changed.values():
                    self.store.set_redacted(client.id, note.id, note.redacted)
                    self.store.replace_commitments(client.id, note.id, extract_commitments(note.redacted), scrub)

            from reflect.core.redaction.gate import PLACEHOLDER_RE

            report.notes_changed = len(changed)
            report.names_caught = sum(
                max(0, len(PLACEHOLDER_RE.findall(n.redacted)) - len(PLACEHOLDER_RE.findall(before[n.id]))) for n in changed.values()
            )
        with self.store.transaction():
            # Commitments the coach kept after editing their sentence away hold old text too.
            self.store.scrub_commitments(client.id, scrub)
        if (changed or rebuild) and index:
            # (rebuild: after a crash the store may be re-redacted already and only the index behind it)
            report.passages_reembedded = self._rebuild_index(client, [changed.get(n.id, n) for n in notes])
        if index:
            # Notes and index are in step with the map: nothing left to repair at next use.
            with self.store.transaction():
                self.store.clear_reredact(client.id)
        return report

    def _rebuild_index(self, client: Client, notes: list[Note], reuse: bool = True) -> int:
        """Replace the client's index with one whose every vector was computed from the notes' current
        redacted text: vectors whose digest matches are kept, the rest re-embedded. Returns how many
        passages were embedded."""
        import numpy as np

        passages = [p for note in notes for p in self._passages(note)]
        index = self.index(client)
        kept: dict[tuple[int, int, str], np.ndarray] = {}
        if reuse:
            positions, vectors = index.all()
            kept = {(p.note_id, p.chunk, p.digest): v for p, v in zip(positions, vectors) if p.digest}
        missing = [i for i, p in enumerate(passages) if (p.note_id, p.chunk, p.digest) not in kept]
        fresh = self._embed(client.id, [passages[i].text for i in missing]) if missing else None
        rows = []
        fresh_at = {i: k for k, i in enumerate(missing)}
        for i, p in enumerate(passages):
            rows.append(fresh[fresh_at[i]] if i in fresh_at else kept[(p.note_id, p.chunk, p.digest)])
        dims = self.embedder.dimensions if not rows else len(rows[0])
        index.replace_all(_positions(passages), np.asarray(rows, dtype=np.float32).reshape(len(rows), dims))
        return len(missing)

    def reindex(self, client: Client | None = None) -> dict[str, Reredaction]:
        """Re-redact clients' notes from their originals with the current roster and map, re-derive
        their commitments, and rebuild their indexes from the store (the source of truth)."""
        reports = {}
        for c in [client] if client else self.store.clients():
            report = self.reredact(c, everything=True, index=False)
            scrub = self._outbound(c.id).text
            with self.store.transaction():
                for note in self.store.notes(c.id):
                    self.store.refresh_commitments(c.id, note.id, extract_commitments(note.redacted))
                self.store.scrub_commitments(c.id, scrub)
            report.passages_reembedded += self._rebuild_index(c, self.store.notes(c.id), reuse=False)
            with self.store.transaction():
                self.store.clear_reredact(c.id)
            reports[c.id] = report
        return reports

    def doctor(self) -> list[DoctorCheck]:
        from reflect.core.models import manifest, verified

        checks = []
        for key, asset in manifest().items():
            try:
                path = verified(key)
                checks.append(DoctorCheck(f"model {key}", True, f"{asset.name}: sha256 verified ({path})"))
            except ModelError as exc:
                checks.append(DoctorCheck(f"model {key}", False, str(exc)))
        if self.settings.model:
            path = Path(self.settings.model).expanduser()
            checks.append(DoctorCheck("model (configured)", path.is_file(), f"{path}" + ("" if path.is_file() else " does not exist")))
        checks.append(DoctorCheck("store integrity", self.store.integrity_ok(), f"{self.paths.db} (schema v{self.store.schema_version})"))
        for c in self.store.clients():
            expected = sum(len(self._passages(n)) for n in self.store.notes(c.id))
            actual = self.index(c).count()
            checks.append(DoctorCheck(f"index {c.id}", actual == expected, f"{actual} of {expected} passages indexed" + ("" if actual == expected else "; run 'reflect reindex'")))
        checks.extend(self.redaction_scan())
        mode = self.paths.root.stat().st_mode & 0o777
        checks.append(DoctorCheck("data directory permissions", mode & 0o077 == 0, f"{oct(mode)} on {self.paths.root}"))
        loose = [p for p in self.paths.root.glob("reflect.db*") if p.stat().st_mode & 0o077]
        checks.append(DoctorCheck(
            "store file permissions", not loose,
            "reflect.db and its WAL files are private (0600)" if not loose else f"readable by others: {', '.join(p.name for p in loose)}",
        ))
        for name, why, ok in hardening.report():
            checks.append(DoctorCheck(f"offline: {name}", ok, why))
        info = self.store.key_info()
        if info:
            from reflect.core.crypto import KdfParams

            params = KdfParams.from_json(info["params"])
            sealed = self.store.sealed_check()
            checks.append(DoctorCheck(
                "encryption at rest", sealed is None,
                f"AES-256-GCM, per-client keys; {info['kdf']} {params.memory_kib // 1024} MiB, {params.iterations} passes, "
                f"{params.lanes} lanes; passphrase set {info['created']}" + (f", changed {info['changed']}" if info["changed"] else "")
                + ("" if sealed is None else f"; {sealed}"),
            ))
        else:
            checks.append(DoctorCheck("encryption at rest", False, "this practice has no passphrase; run 'reflect init'"))
        return checks
