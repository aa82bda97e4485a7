"""An inbox entry: one gateway event, received once, applied exactly once in effect."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from domain.gateway_events import EventKind

MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=1)


class WebhookStatus(StrEnum):
    PENDING = "pending"
    PROCESSING = "processing"
    PROCESSED = "processed"
    STALE = "stale"
    IGNORED = "ignored"
    FAILED = "failed"
    DEAD = "dead"


DONE = frozenset({WebhookStatus.PROCESSED, WebhookStatus.STALE, WebhookStatus.IGNORED})
# Settled on receipt by the type alone, so the consumer never claims them (SPEC §6).
_SETTLED_ON_RECEIPT = {
    EventKind.INFORMATIONAL: WebhookStatus.PROCESSED,
    EventKind.UNHANDLED: WebhookStatus.IGNORED,
}


def retry_delay(attempts: int, jitter: float) -> timedelta:
    """30 s doubling per attempt, capped at 1 h, with `jitter` ∈ [0, 1) spreading the
    second half of the delay so failing consumers do not retry in lockstep."""
    base = min(FIRST_RETRY * (1 << max(attempts - 1, 0)), LONGEST_RETRY)
    return base / 2 + base / 2 * jitter


@dataclass(frozen=True, slots=True, order=True)
class WebhookEventKey:
    """An event's identity in the inbox. Each gateway numbers its events on its own, so
    `evt_1` from Stripe and `evt_1` from the fake gateway are two different events."""

    gateway: str
    id: str


@dataclass(eq=False, slots=True)
class WebhookEvent:
    id: str  # the gateway's event id (`evt_…`): unique in the inbox per gateway
    gateway: str
    type: str
    payload: bytes  # the raw body as received, never re-serialised
    received_at: datetime
    next_attempt_at: datetime
    status: WebhookStatus = WebhookStatus.PENDING
    attempts: int = 0
    locked_until: datetime | None = None
    last_error: str | None = None
    processed_at: datetime | None = None
    version: int = 0

    @classmethod
    def receive(
        cls,
        *,
        id: str,
        gateway: str,
        type: str,
        payload: bytes,
        now: datetime,
        kind: EventKind = EventKind.ACTIONABLE,
    ) -> WebhookEvent:
        """A new inbox entry: pending when it may change a payment; otherwise done at once
        (`processed` if informational, `ignored` if unhandled), never claimed."""
        event = cls(
            id=id, gateway=gateway, type=type, payload=payload, received_at=now, next_attempt_at=now
        )
        if (settled := _SETTLED_ON_RECEIPT.get(kind)) is not None:
            event.status, event.processed_at = settled, now
        return event

    @property
    def key(self) -> WebhookEventKey:
        return WebhookEventKey(self.gateway, self.id)

    def is_due(self, now: datetime) -> bool:
        if self.status in (WebhookStatus.PENDING, WebhookStatus.FAILED):
            return self.next_attempt_at <= now
        return (
            self.status is WebhookStatus.PROCESSING
            and self.locked_until is not None
            and self.locked_until <= now
        )

    def claim(self, now: datetime, lease: timedelta) -> None:
        """Leased until `now + lease`, which is also when it may next be attempted: the
        consumer's claim then reads due events by `next_attempt_at` alone."""
        self.status = WebhookStatus.PROCESSING
        self.locked_until = self.next_attempt_at = now + lease

    def finish(self, outcome: WebhookStatus, now: datetime, reason: str | None = None) -> None:
        """Done for good; `reason` says why an event was set aside without effect."""
        if outcome not in DONE:
            raise ValueError(f"{outcome} is not a final outcome")
        self.status = outcome
        self.attempts += 1
        self.locked_until = None
        self.last_error = reason[:500] if reason is not None else None
        self.processed_at = now

    def fail(self, error: str, now: datetime, jitter: float) -> None:
        """Count the attempt; retry later with backoff, or give up after the last one."""
        self.attempts += 1
        self.locked_until = None
        self.last_error = error[:500]
        if self.attempts >= MAX_ATTEMPTS:
            self.status = WebhookStatus.DEAD
        else:
            self.status = WebhookStatus.FAILED
            self.next_attempt_at = now + retry_delay(self.attempts, jitter)

    def replay(self, now: datetime) -> None:
        """An operator sends the event back for another full round of attempts."""
        self.status = WebhookStatus.PENDING
        self.attempts = 0
        self.next_attempt_at = now
        self.locked_until = None
        self.processed_at = None
