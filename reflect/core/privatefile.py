"""Files reflect writes for the coach outside its data directory (a prep brief, a backup).

They hold client names and what clients said, so each is private from its first byte (created 0600,
never chmod-ed afterwards), is never written through a symbolic link, and never replaces an existing
file unless the coach asked for it (``force``). The bytes go to a fresh temporary file in the same
folder (``O_CREAT | O_EXCL | O_NOFOLLOW``), are flushed to disk, and the file is then put in place in
one step: linked to the target name (which fails if a file appeared there meanwhile) or, with
``force``, renamed over it.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from reflect.core.errors import InputError


def write_private(target: Path, data: bytes, *, force: bool = False) -> Path:
    target = target.expanduser()
    if target.is_symlink():
        raise InputError(f"{target} is a symbolic link; reflect does not write through links, give a plain file name")
    if target.exists() and not force:
        raise InputError(f"{target} already exists; choose a new file name, or add --force to replace it")
    if target.is_dir():
        raise InputError(f"{target} is a folder; give a file name")
    if not target.parent.is_dir():
        raise InputError(f"{target.parent} is not a folder")
    partial = target.with_name(f".{target.name}.{secrets.token_hex(4)}.partial")
    flags = os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(partial, flags, 0o600)
    except OSError as exc:
        raise InputError(f"cannot write {target}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        if force:
            os.replace(partial, target)
        else:
            try:
                os.link(partial, target)  # atomic: fails if the name was taken meanwhile
            except FileExistsError:
                raise InputError(f"{target} already exists; choose a new file name, or add --force to replace it") from None
            except OSError:  # a filesystem without hard links: fall back to a checked rename
                if os.path.lexists(target):
                    raise InputError(f"{target} already exists; choose a new file name, or add --force to replace it") from None
                os.replace(partial, target)
    except OSError as exc:
        raise InputError(f"cannot write {target}: {exc.strerror}") from None
    finally:
        if os.path.lexists(partial):
            os.unlink(partial)
    return target
