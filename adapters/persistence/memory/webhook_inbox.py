"""The in-memory webhook inbox."""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta

from adapters.persistence.memory.pagination import paginate
from adapters.persistence.memory.repositories import Staging, fresh_copy, versioned_save
from application.ports.repositories import Page, PageRequest
from application.ports.webhook_inbox import InboxStats, WebhookEventFilter
from domain.webhook_event import WebhookEvent, WebhookEventKey, WebhookStatus


class InMemoryWebhookInbox:
    def __init__(self, staging: Staging) -> None:
        self._s = staging
        self._table = staging.store.webhooks
        self._mine: dict[WebhookEventKey, WebhookEvent] = {}  # added or claimed here
        self._added: set[WebhookEventKey] = set()

    def _visible(self) -> dict[WebhookEventKey, WebhookEvent]:
        """Committed events overlaid with this unit of work's own, as a transaction sees."""
        return {**self._table, **self._mine}

    async def add(self, event: WebhookEvent) -> bool:
        key = event.key
        if key in self._visible():
            return False
        self._mine[key] = copy.deepcopy(event)
        self._added.add(key)
        # INSERT … ON CONFLICT DO NOTHING: one committed meanwhile wins, without an error.
        self._s.writes.append(lambda: self._insert_once(key))
        return True

    def _insert_once(self, key: WebhookEventKey) -> None:
        self._table.setdefault(key, self._mine[key])

    async def get(self, key: WebhookEventKey) -> WebhookEvent | None:
        return fresh_copy(self._table.get(key))

    async def find(self, event_id: str) -> Sequence[WebhookEvent]:
        found = (e for key, e in sorted(self._table.items()) if key.id == event_id)
        return [copy.deepcopy(e) for e in found]

    async def save(self, event: WebhookEvent) -> None:
        versioned_save(self._s, self._table, event.key, event)

    async def save_all(self, events: Sequence[WebhookEvent]) -> None:
        for event in events:
            await self.save(event)

    async def claim_due(
        self, now: datetime, lease: timedelta, limit: int
    ) -> Sequence[WebhookEvent]:
        due = sorted(
            (e for e in self._visible().values() if e.is_due(now)),
            key=lambda e: (e.next_attempt_at, e.received_at, e.id, e.gateway),
        )[:limit]
        claimed = []
        for stored in due:
            event = copy.deepcopy(stored)
            event.claim(now, lease)
            if event.key in self._added:  # still an insert: the write above takes it along
                event.version += 1
            else:
                versioned_save(self._s, self._table, event.key, event)
            self._mine[event.key] = copy.deepcopy(event)
            claimed.append(event)
        return claimed

    async def list(self, where: WebhookEventFilter, page: PageRequest) -> Page[WebhookEvent]:
        owned = sorted(
            (e for e in self._table.values() if where.gateway in (None, e.gateway)),
            key=lambda e: (e.received_at, e.id),
            reverse=True,
        )
        rows = [
            e
            for e in owned
            if (where.status is None or e.status is where.status)
            and (where.event_type is None or e.type == where.event_type)
        ]
        return paginate(rows, page, key=lambda e: e.id, owned=owned)

    async def keys_with_status(self, status: WebhookStatus) -> Sequence[WebhookEventKey]:
        return sorted(key for key, e in self._table.items() if e.status is status)

    async def stats(self) -> InboxStats:
        counts = Counter(e.status.value for e in self._table.values())
        pending = [
            e.received_at
            for e in self._table.values()
            if e.status in (WebhookStatus.PENDING, WebhookStatus.FAILED, WebhookStatus.PROCESSING)
        ]
        return InboxStats(dict(counts), min(pending) if pending else None)
