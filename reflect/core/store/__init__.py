"""The SQLite source of truth: clients, roster, notes (original and redacted), each client's pseudonym
map, commitments, the engagement's goals, and the prompts the model received. The Chroma index is derived from this.

Owns the schema and its migrations (``PRAGMA user_version``), WAL mode, private file modes, and
encryption at rest (``reflect.core.crypto``): from schema v4 every field that says who a client is or
what they said is sealed with that client's data key before it is written, and opened after it is read.
In clear: opaque ids, session dates, row counts, sizes, commitment statuses, prompt times and purposes,
entity types of map entries. Client names are found through a keyed HMAC, never stored in clear.

It holds no process lock itself: ``reflect.core.practice`` takes the single-writer lock before opening
it. Within the process each thread gets its own connection, so threads never share a transaction.
Nothing here logs note text.

``Store`` is the one object the rest of reflect uses; it is put together from one part per concern:

    schema        the tables (``MIGRATIONS``) and the timestamp format
    connection    ``StoreBase``: the file, one connection per thread, migrating, transactions, close
    keys          ``KeyringMixin``: deriving and unwrapping keys, and what a sealed value is bound to
    passphrase    ``PassphraseMixin``: setup, unlock, passphrase change, re-sealing older stores
    clients       ``ClientsMixin`` and ``RosterMixin``: clients, and the people on each roster
    notes         ``NotesMixin``: notes, and the re-redaction pending flag
    vault         ``VaultMixin``: each client's pseudonym map
    commitments   ``CommitmentsMixin``: commitments and their statuses
    goals         ``GoalsMixin``: the engagement's goals and their statuses
    prompts       ``PromptsMixin``: the audit trail of prompts
    maintenance   ``MaintenanceMixin``: purge, integrity and sealing checks, copies, passage digests
"""

from __future__ import annotations

from reflect.core.store.clients import ClientsMixin, RosterMixin, name_key
from reflect.core.store.commitments import CommitmentsMixin
from reflect.core.store.connection import BUSY_TIMEOUT_S, StoreBase
from reflect.core.store.goals import GoalsMixin
from reflect.core.store.keys import PRACTICE, KeyringMixin
from reflect.core.store.maintenance import MaintenanceMixin
from reflect.core.store.notes import NotesMixin
from reflect.core.store.passphrase import PassphraseMixin
from reflect.core.store.prompts import PromptsMixin
from reflect.core.store.schema import MIGRATIONS, now_iso
from reflect.core.store.vault import MapRow, VaultMixin

__all__ = ["BUSY_TIMEOUT_S", "MIGRATIONS", "PRACTICE", "MapRow", "Store", "name_key", "now_iso"]


class Store(
    PassphraseMixin,
    ClientsMixin,
    RosterMixin,
    NotesMixin,
    VaultMixin,
    CommitmentsMixin,
    GoalsMixin,
    PromptsMixin,
    MaintenanceMixin,
    KeyringMixin,
    StoreBase,
):
    """A connection to ``reflect.db`` with typed accessors that seal and open fields.

    Opening runs the migrations; reading or writing client data needs ``unlock`` (or ``setup`` on a
    store that has no keys yet). A wrong passphrase raises before anything is read or written.
    """
