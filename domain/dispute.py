"""A payment's dispute (chargeback): opened by the cardholder's bank, then won or lost."""

from __future__ import annotations

from dataclasses import dataclass

from domain.statuses import DisputeStatus
from domain.sync_result import SyncResult

_CLOSED = (DisputeStatus.WON, DisputeStatus.LOST)


@dataclass(frozen=True, slots=True)
class Dispute:
    """Part of the Payment aggregate. A closed dispute never opens again: events about it
    that arrive late are stale."""

    status: DisputeStatus = DisputeStatus.NONE
    amount: int = 0

    @property
    def is_open(self) -> bool:
        return self.status not in (DisputeStatus.NONE, *_CLOSED)

    def opened(self, amount: int, status: DisputeStatus) -> tuple[Dispute, SyncResult]:
        if self.status in _CLOSED:
            return self, SyncResult.STALE
        if self.status is status and self.amount == amount:
            return self, SyncResult.UNCHANGED
        return Dispute(status, amount), SyncResult.APPLIED

    def closed(self, won: bool) -> tuple[Dispute, SyncResult]:
        outcome = DisputeStatus.WON if won else DisputeStatus.LOST
        if self.status is outcome:
            return self, SyncResult.UNCHANGED
        if self.status in _CLOSED:
            return self, SyncResult.STALE
        return Dispute(outcome, self.amount), SyncResult.APPLIED
