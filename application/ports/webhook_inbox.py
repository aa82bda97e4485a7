"""The webhook inbox's ports: the `webhook_events` table inside a unit of work, and its two
hot statements committed on their own (receipt and the consumer's claim)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from application.ports.repositories import Page, PageRequest
from domain.webhook_event import WebhookEvent, WebhookEventKey, WebhookStatus


@dataclass(frozen=True, slots=True)
class InboxStats:
    counts: dict[str, int]
    oldest_pending_received_at: datetime | None


@dataclass(frozen=True, slots=True)
class WebhookEventFilter:
    """Which events a listing shows; `gateway` also says whose event a cursor is."""

    status: WebhookStatus | None = None
    event_type: str | None = None
    gateway: str | None = None


class WebhookInbox(Protocol):
    """The `webhook_events` table: receipt and processing kept apart."""

    async def add(self, event: WebhookEvent) -> bool:
        """Insert; False (and nothing changed) when this gateway's event id is there
        already. Ids are unique per gateway only: another gateway's `evt_1` is stored."""
        ...

    async def get(self, key: WebhookEventKey) -> WebhookEvent | None: ...

    async def find(self, event_id: str) -> Sequence[WebhookEvent]:
        """The events with this id, from whichever gateways sent one (by gateway)."""
        ...

    async def save(self, event: WebhookEvent) -> None:
        """Persist changes; raise StaleAggregateError if its version moved meanwhile."""
        ...

    async def save_all(self, events: Sequence[WebhookEvent]) -> None:
        """`save` for many events at once (one statement per set of equal changes); raise
        StaleAggregateError if any version moved, the transaction then to be rolled back."""
        ...

    async def claim_due(
        self, now: datetime, lease: timedelta, limit: int
    ) -> Sequence[WebhookEvent]:
        """Lease up to `limit` due events (oldest first) to the caller, skipping any another
        consumer holds (FOR UPDATE SKIP LOCKED); each comes back with its new version."""
        ...

    async def list(self, where: WebhookEventFilter, page: PageRequest) -> Page[WebhookEvent]:
        """Newest first by receipt, cursor-paginated by event id (a cursor that two
        gateways share is only unambiguous within one `gateway`)."""
        ...

    async def keys_with_status(self, status: WebhookStatus) -> Sequence[WebhookEventKey]:
        """Sorted by gateway, then event id."""
        ...

    async def stats(self) -> InboxStats: ...


class WebhookQueue(Protocol):
    """The inbox's two hot statements, each committed on its own, outside any unit of
    work: receipt and the consumer's claim (one round trip each on PostgreSQL)."""

    async def receive(self, event: WebhookEvent) -> bool:
        """Store the event, committed on return; False when it was stored before."""
        ...

    async def claim_due(
        self, now: datetime, lease: timedelta, limit: int
    ) -> Sequence[WebhookEvent]:
        """WebhookInbox.claim_due, its lease committed on return."""
        ...
