"""The in-memory webhook inbox."""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta

from adapters.persistence.memory.repositories import Staging, fresh_copy, paginate, versioned_save
from application.ports import InboxStats, Page, PageRequest
from domain.webhook_event import WebhookEvent, WebhookStatus


class InMemoryWebhookInbox:
    def __init__(self, staging: Staging) -> None:
        self._s = staging
        self._table = staging.store.webhooks
        self._mine: dict[str, WebhookEvent] = {}  # added or claimed in this unit of work
        self._added: set[str] = set()

    def _visible(self) -> dict[str, WebhookEvent]:
        """Committed events overlaid with this unit of work's own, as a transaction sees."""
        return {**self._table, **self._mine}

    async def add(self, event: WebhookEvent) -> bool:
        if event.id in self._visible():
            return False
        self._mine[event.id] = copy.deepcopy(event)
        self._added.add(event.id)
        # INSERT … ON CONFLICT DO NOTHING: one committed meanwhile wins, without an error.
        self._s.writes.append(lambda: self._table.setdefault(event.id, self._mine[event.id]))
        return True

    async def get(self, event_id: str) -> WebhookEvent | None:
        return fresh_copy(self._table.get(event_id))

    async def save(self, event: WebhookEvent) -> None:
        versioned_save(self._s, self._table, event.id, event)

    async def claim_due(
        self, now: datetime, lease: timedelta, limit: int
    ) -> Sequence[WebhookEvent]:
        due = sorted(
            (e for e in self._visible().values() if e.is_due(now)),
            key=lambda e: (e.next_attempt_at, e.received_at, e.id),
        )[:limit]
        claimed = []
        for stored in due:
            event = copy.deepcopy(stored)
            event.claim(now, lease)
            if event.id in self._added:  # still an insert: the write above takes it along
                event.version += 1
            else:
                versioned_save(self._s, self._table, event.id, event)
            self._mine[event.id] = copy.deepcopy(event)
            claimed.append(event)
        return claimed

    async def list(
        self, status: WebhookStatus | None, event_type: str | None, page: PageRequest
    ) -> Page[WebhookEvent]:
        rows = sorted(
            (
                e
                for e in self._table.values()
                if (status is None or e.status is status)
                and (event_type is None or e.type == event_type)
            ),
            key=lambda e: (e.received_at, e.id),
            reverse=True,
        )
        return paginate(rows, page, key=lambda e: e.id)

    async def ids_with_status(self, status: WebhookStatus) -> Sequence[str]:
        return sorted(e.id for e in self._table.values() if e.status is status)

    async def stats(self) -> InboxStats:
        counts = Counter(e.status.value for e in self._table.values())
        pending = [
            e.received_at
            for e in self._table.values()
            if e.status in (WebhookStatus.PENDING, WebhookStatus.FAILED, WebhookStatus.PROCESSING)
        ]
        return InboxStats(dict(counts), min(pending) if pending else None)
