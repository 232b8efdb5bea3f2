"""Fault injection for crash tests: ``REFLECT_FAULT=<point>`` makes reflect SIGKILL itself exactly at
that named point (inside the storing transaction of an import, between two renames of a restore), so a
crash test lands where it means to instead of after a random delay that rarely falls there. Unset,
each point is one dictionary lookup."""

from __future__ import annotations

import os
import signal


def fault_point(name: str) -> None:
    if os.environ.get("REFLECT_FAULT") == name:
        os.kill(os.getpid(), signal.SIGKILL)
