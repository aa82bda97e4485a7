"""The outcome of applying a gateway's snapshot (a webhook, a reconciliation)."""

from __future__ import annotations

from enum import StrEnum


class SyncResult(StrEnum):
    """What applying a gateway snapshot did to a payment."""

    APPLIED = "applied"
    UNCHANGED = "unchanged"
    STALE = "stale"
