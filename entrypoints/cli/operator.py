"""The audit trail's actor for anything done at this command line: the operator."""

from __future__ import annotations

import getpass

from domain.audit import Actor


def operator_actor() -> Actor:
    """`Actor(kind="operator", id=<OS user name>)`; `unknown` where the OS names nobody."""
    try:
        user = getpass.getuser()
    except (OSError, KeyError):  # no login name, no passwd entry (some containers)
        user = "unknown"
    return Actor(kind="operator", id=user or "unknown")
