"""The user-facing error hierarchy of reflect.

Every error a coach can fix is a ``ReflectError`` with a one-line message that says what went wrong
and, where there is one, the fix. Front ends convert it in one place (one line on stderr and a
non-zero exit in the CLI, a notification in the TUI). Messages never contain note text.
"""

from __future__ import annotations


class ReflectError(Exception):
    """Base of every error reflect reports to the coach as one line."""

    exit_code = 1


class InputError(ReflectError):
    """Bad input from the coach: a file, a date, a name, a note."""

    exit_code = 2


class NotFoundError(ReflectError):
    """An unknown client, person or note."""

    exit_code = 3


class StoreInUseError(ReflectError):
    """Another reflect process owns the data directory."""

    exit_code = 4


class ModelError(ReflectError):
    """A model file is missing, altered or cannot be loaded; or the model server is down, too slow, or
    answered something other than a chat completion."""

    exit_code = 5


class RedactionError(ReflectError):
    """Redaction failed: the note was not stored, indexed or sent anywhere (fail closed)."""

    exit_code = 6


class PassphraseError(ReflectError):
    """No passphrase, a wrong one, or a new one that is too weak. Nothing was read or changed."""

    exit_code = 7


class CorruptDataError(ReflectError):
    """A sealed value or a backup failed authentication: it was altered, damaged or is not reflect's."""

    exit_code = 8


class IndexServerError(ReflectError):
    """The index server (``index_url``) is down, too slow, refused the request or answered something else."""

    exit_code = 9
