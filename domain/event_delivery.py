"""One event's delivery to one endpoint: leased to one worker at a time, retried with
exponential backoff and jitter for up to three days, every attempt kept."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=6)
GIVE_UP_AFTER = timedelta(days=3)


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # waiting for its first or next attempt
    DELIVERING = "delivering"  # leased by a worker until `locked_until`
    DELIVERED = "delivered"
    FAILED = "failed"  # retried for three days, or its endpoint is gone or disabled


@dataclass(frozen=True, slots=True)
class RetrySchedule:
    """`first` doubling per failed attempt, capped at `longest`, times a jitter in
    [0.5, 1.5) (`jitter` in [0, 1)), so the retries of one outage do not arrive together.
    30 s and 6 h unless configured (KASSA_EVENT_DELIVERY_{FIRST,LONGEST}_RETRY_SECONDS)."""

    first: timedelta = FIRST_RETRY
    longest: timedelta = LONGEST_RETRY

    def delay(self, attempts: int, jitter: float) -> timedelta:
        base = min(self.first * (1 << min(max(attempts - 1, 0), 20)), self.longest)
        return base * (0.5 + jitter)


DEFAULT_RETRIES = RetrySchedule()


def retry_delay(attempts: int, jitter: float) -> timedelta:
    """The default schedule's delay after `attempts` failed attempts."""
    return DEFAULT_RETRIES.delay(attempts, jitter)


@dataclass(frozen=True, slots=True)
class DeliveryAttempt:
    id: str
    delivery_id: str
    tenant_id: str
    endpoint_id: str
    event_id: str
    attempted_at: datetime
    status_code: int | None  # None when no answer came (refused, timed out)
    latency_ms: int
    error: str | None

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


@dataclass(eq=False, slots=True)
class EventDelivery:
    id: str
    tenant_id: str
    event_id: str
    endpoint_id: str
    event_type: str
    created_at: datetime
    next_attempt_at: datetime
    status: DeliveryStatus = DeliveryStatus.PENDING
    attempts: int = 0
    locked_until: datetime | None = None
    last_status_code: int | None = None
    last_error: str | None = None
    delivered_at: datetime | None = None
    version: int = 0

    def is_due(self, now: datetime) -> bool:
        if self.status is DeliveryStatus.PENDING:
            return self.next_attempt_at <= now
        return (
            self.status is DeliveryStatus.DELIVERING
            and self.locked_until is not None
            and self.locked_until <= now
        )

    def claim(self, now: datetime, lease: timedelta) -> None:
        """Leased to one worker; one that dies leaves it due again when the lease ends."""
        self.status = DeliveryStatus.DELIVERING
        self.locked_until = now + lease

    def record(
        self, attempt: DeliveryAttempt, jitter: float, retries: RetrySchedule = DEFAULT_RETRIES
    ) -> None:
        self.attempts += 1
        self.locked_until = None
        self.last_status_code = attempt.status_code
        self.last_error = attempt.error
        if attempt.succeeded:
            self.status = DeliveryStatus.DELIVERED
            self.delivered_at = attempt.attempted_at
            return
        retry_at = attempt.attempted_at + retries.delay(self.attempts, jitter)
        if retry_at - self.created_at > GIVE_UP_AFTER:
            self.status = DeliveryStatus.FAILED
        else:
            self.status = DeliveryStatus.PENDING
            self.next_attempt_at = retry_at

    def abandon(self, reason: str) -> None:
        """Not sent at all: its endpoint was deleted or disabled meanwhile."""
        self.status = DeliveryStatus.FAILED
        self.locked_until = None
        self.last_error = reason

    def redeliver(self, now: datetime) -> None:
        """An operator's `redeliver`: due now, whatever happened before."""
        self.status = DeliveryStatus.PENDING
        self.next_attempt_at = now
        self.locked_until = None
