"""The in-memory merchant event stores, staged with the unit of work like every write."""

from __future__ import annotations

import copy
import functools
from collections.abc import Sequence
from datetime import datetime, timedelta

from adapters.persistence.memory.pagination import paginate
from adapters.persistence.memory.repositories import Staging, fresh_copy, versioned_save
from application.ports.repositories import Page, PageRequest
from domain.event_delivery import DeliveryAttempt, EventDelivery
from domain.merchant_event import MerchantEvent
from domain.webhook_endpoint import WebhookEndpoint


class InMemoryMerchantEventOutbox:
    def __init__(self, staging: Staging) -> None:
        self._s = staging
        self._table = staging.store.merchant_events
        self._undispatched = staging.store.undispatched_events

    async def add_many(self, events: Sequence[MerchantEvent]) -> None:
        for event in events:
            self._s.put(self._table, event.id, event, None)
            self._s.writes.append(functools.partial(self._undispatched.__setitem__, event.id, None))

    async def get(self, tenant_id: str | None, event_id: str) -> MerchantEvent | None:
        found = self._table.get(event_id)
        return found if found is not None and tenant_id in (None, found.tenant_id) else None

    async def list(
        self, tenant_id: str | None, event_type: str | None, since: datetime, page: PageRequest
    ) -> Page[MerchantEvent]:
        owned = sorted(
            (
                e
                for e in self._table.values()
                if tenant_id in (None, e.tenant_id) and e.created_at >= since
            ),
            key=lambda e: (e.created_at, e.id),
            reverse=True,
        )
        rows = [e for e in owned if event_type is None or e.type == event_type]
        return paginate(rows, page, key=lambda e: e.id, owned=owned)

    async def claim_undispatched(self, now: datetime, limit: int) -> Sequence[MerchantEvent]:
        pending = sorted(
            (self._table[key] for key in self._undispatched if key in self._table),
            key=lambda e: (e.created_at, e.id),
        )[: max(limit, 0)]
        for event in pending:
            self._s.writes.append(functools.partial(self._undispatched.pop, event.id, None))
        return pending

    async def purge(self, before: datetime) -> int:
        store = self._s.store
        old = {key for key, e in self._table.items() if e.created_at < before}
        for key in old:
            self._s.remove(self._table, key)
            self._s.writes.append(functools.partial(self._undispatched.pop, key, None))
        for key, delivery in list(store.event_deliveries.items()):
            if delivery.event_id in old:
                self._s.remove(store.event_deliveries, key)
                self._s.remove(store.delivery_attempts, key)
        return len(old)


class InMemoryWebhookEndpointRepository:
    def __init__(self, staging: Staging) -> None:
        self._s = staging
        self._table = staging.store.webhook_endpoints

    async def add(self, endpoint: WebhookEndpoint) -> None:
        self._s.put(self._table, endpoint.id, endpoint, None)

    async def get(self, tenant_id: str, endpoint_id: str) -> WebhookEndpoint | None:
        found = self._table.get(endpoint_id)
        return fresh_copy(found) if found is not None and found.tenant_id == tenant_id else None

    async def list(self, tenant_id: str | None) -> Sequence[WebhookEndpoint]:
        mine = [e for e in self._table.values() if tenant_id in (None, e.tenant_id)]
        return [copy.deepcopy(e) for e in sorted(mine, key=lambda e: (e.created_at, e.id))]

    async def enabled_for(self, tenant_ids: Sequence[str]) -> Sequence[WebhookEndpoint]:
        return [e for e in await self.list(None) if e.tenant_id in tenant_ids and not e.disabled]

    async def save(self, endpoint: WebhookEndpoint) -> None:
        versioned_save(self._s, self._table, endpoint.id, endpoint)

    async def delete(self, tenant_id: str, endpoint_id: str) -> bool:
        if await self.get(tenant_id, endpoint_id) is None:
            return False
        self._s.remove(self._table, endpoint_id)
        return True


class InMemoryEventDeliveryRepository:
    def __init__(self, staging: Staging) -> None:
        self._s = staging
        self._table = staging.store.event_deliveries
        self._attempts = staging.store.delivery_attempts

    async def add_many(self, deliveries: Sequence[EventDelivery]) -> None:
        for delivery in deliveries:
            self._s.put(self._table, delivery.id, delivery, None)

    async def get(self, tenant_id: str | None, delivery_id: str) -> EventDelivery | None:
        found = self._table.get(delivery_id)
        if found is None or tenant_id not in (None, found.tenant_id):
            return None
        return fresh_copy(found)

    async def save(self, delivery: EventDelivery) -> None:
        versioned_save(self._s, self._table, delivery.id, delivery)

    async def claim_due(
        self, now: datetime, lease: timedelta, limit: int
    ) -> Sequence[EventDelivery]:
        due = sorted(
            (d for d in self._table.values() if d.is_due(now)),
            key=lambda d: (d.next_attempt_at, d.created_at, d.id),
        )[: max(limit, 0)]
        claimed = []
        for found in due:
            delivery = copy.deepcopy(found)
            delivery.claim(now, lease)
            versioned_save(self._s, self._table, delivery.id, delivery)
            claimed.append(delivery)
        return claimed

    async def for_endpoint(
        self, tenant_id: str, endpoint_id: str, page: PageRequest
    ) -> Page[EventDelivery]:
        rows = sorted(
            (
                d
                for d in self._table.values()
                if d.tenant_id == tenant_id and d.endpoint_id == endpoint_id
            ),
            key=lambda d: (d.created_at, d.id),
            reverse=True,
        )
        return paginate(rows, page, key=lambda d: d.id)

    async def for_event(self, tenant_id: str | None, event_id: str) -> Sequence[EventDelivery]:
        rows = [
            d
            for d in self._table.values()
            if d.event_id == event_id and tenant_id in (None, d.tenant_id)
        ]
        return [copy.deepcopy(d) for d in sorted(rows, key=lambda d: (d.created_at, d.id))]

    async def add_attempt(self, attempt: DeliveryAttempt) -> None:
        def write() -> None:
            self._attempts.setdefault(attempt.delivery_id, []).append(attempt)

        self._s.writes.append(write)

    async def attempts(self, delivery_id: str) -> Sequence[DeliveryAttempt]:
        return list(self._attempts.get(delivery_id, []))
