"""The SQL merchant event stores: the outbox (one INSERT per change), the endpoints, and
the deliveries workers lease like the webhook inbox (FOR UPDATE SKIP LOCKED)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, delete, or_, select, update

from adapters.persistence.sql.leases import claim_leased
from adapters.persistence.sql.mapping import (
    DELIVERY_ATTEMPT,
    EVENT_DELIVERY,
    EVENT_DELIVERY_PROGRESS,
    MERCHANT_EVENT,
    WEBHOOK_ENDPOINT,
)
from adapters.persistence.sql.pagination import newest_first_page
from adapters.persistence.sql.statements import (
    ConnectionSource,
    WriteSource,
    hold_sqlite_write_lock,
    update_versioned,
)
from adapters.persistence.sql.tables import (
    delivery_attempts,
    event_deliveries,
    merchant_events,
    webhook_endpoints,
)
from adapters.persistence.sql.write_batch import Write
from application.ports.repositories import Page, PageRequest
from domain.event_delivery import DeliveryAttempt, DeliveryStatus, EventDelivery
from domain.merchant_event import MerchantEvent
from domain.webhook_endpoint import WebhookEndpoint

_ev = merchant_events.c
_ep = webhook_endpoints.c
_dl = event_deliveries.c
_at = delivery_attempts.c


_INSERT_EVENT = merchant_events.insert()


class SqlMerchantEventOutbox:
    def __init__(self, source: WriteSource) -> None:
        self._source = source

    async def add_many(self, events: Sequence[MerchantEvent]) -> None:
        """Written with the change they tell of: on PostgreSQL in the same statement."""
        for event in events:
            row = MERCHANT_EVENT.to_row(event, dispatched_at=None)
            await self._source.write(Write(_INSERT_EVENT, row))

    async def get(self, tenant_id: str | None, event_id: str) -> MerchantEvent | None:
        conn = await self._source.connection()
        query = select(merchant_events).where(_ev.id == event_id)
        if tenant_id is not None:
            query = query.where(_ev.tenant_id == tenant_id)
        row = (await conn.execute(query)).mappings().one_or_none()
        return MERCHANT_EVENT.from_row(row) if row is not None else None

    async def list(
        self, tenant_id: str | None, event_type: str | None, since: datetime, page: PageRequest
    ) -> Page[MerchantEvent]:
        owner = [_ev.created_at >= since]
        if tenant_id is not None:
            owner.append(_ev.tenant_id == tenant_id)
        scope = owner + ([_ev.type == event_type] if event_type is not None else [])
        conn = await self._source.connection()
        found = await newest_first_page(
            conn, merchant_events, scope, _ev.created_at, page, owner=owner
        )
        return Page([MERCHANT_EVENT.from_row(row) for row in found.data], found.has_more)

    async def claim_undispatched(self, now: datetime, limit: int) -> Sequence[MerchantEvent]:
        if limit < 1:
            return []
        conn = await self._source.connection()
        await hold_sqlite_write_lock(conn)
        query = (
            select(merchant_events)
            .where(_ev.dispatched_at.is_(None))
            .order_by(_ev.created_at, _ev.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        events = [MERCHANT_EVENT.from_row(row) for row in (await conn.execute(query)).mappings()]
        if events:
            await conn.execute(
                update(merchant_events)
                .where(_ev.id.in_([e.id for e in events]))
                .values(dispatched_at=now)
            )
        return events

    async def purge(self, before: datetime) -> int:
        conn = await self._source.connection()
        old = select(_ev.id).where(_ev.created_at < before).scalar_subquery()
        await conn.execute(delete(delivery_attempts).where(_at.event_id.in_(old)))
        await conn.execute(delete(event_deliveries).where(_dl.event_id.in_(old)))
        result = await conn.execute(delete(merchant_events).where(_ev.created_at < before))
        return int(result.rowcount)


class SqlWebhookEndpointRepository:
    def __init__(self, source: ConnectionSource) -> None:
        self._source = source

    async def add(self, endpoint: WebhookEndpoint) -> None:
        conn = await self._source.connection()
        await conn.execute(webhook_endpoints.insert(), WEBHOOK_ENDPOINT.to_row(endpoint))

    async def get(self, tenant_id: str, endpoint_id: str) -> WebhookEndpoint | None:
        conn = await self._source.connection()
        query = select(webhook_endpoints).where(_ep.tenant_id == tenant_id, _ep.id == endpoint_id)
        row = (await conn.execute(query)).mappings().one_or_none()
        return WEBHOOK_ENDPOINT.from_row(row) if row is not None else None

    async def list(self, tenant_id: str | None) -> Sequence[WebhookEndpoint]:
        conn = await self._source.connection()
        query = select(webhook_endpoints).order_by(_ep.created_at, _ep.id)
        if tenant_id is not None:
            query = query.where(_ep.tenant_id == tenant_id)
        return [WEBHOOK_ENDPOINT.from_row(row) for row in (await conn.execute(query)).mappings()]

    async def enabled_for(self, tenant_ids: Sequence[str]) -> Sequence[WebhookEndpoint]:
        if not tenant_ids:
            return []
        conn = await self._source.connection()
        query = (
            select(webhook_endpoints)
            .where(_ep.tenant_id.in_(sorted(set(tenant_ids))), _ep.disabled.is_(False))
            .order_by(_ep.created_at, _ep.id)
        )
        return [WEBHOOK_ENDPOINT.from_row(row) for row in (await conn.execute(query)).mappings()]

    async def save(self, endpoint: WebhookEndpoint) -> None:
        conn = await self._source.connection()
        row = WEBHOOK_ENDPOINT.to_row(endpoint)
        await update_versioned(
            conn, webhook_endpoints, {"id": endpoint.id}, row, endpoint,
            f"Webhook endpoint {endpoint.id}",
        )  # fmt: skip

    async def delete(self, tenant_id: str, endpoint_id: str) -> bool:
        conn = await self._source.connection()
        result = await conn.execute(
            delete(webhook_endpoints).where(_ep.tenant_id == tenant_id, _ep.id == endpoint_id)
        )
        return bool(result.rowcount)


def _is_due(now: datetime) -> ColumnElement[bool]:
    """EventDelivery.is_due as SQL: a retry whose time has come, or an expired lease."""
    return or_(
        and_(_dl.status == DeliveryStatus.PENDING.value, _dl.next_attempt_at <= now),
        and_(_dl.status == DeliveryStatus.DELIVERING.value, _dl.locked_until <= now),
    )


class SqlEventDeliveryRepository:
    def __init__(self, source: ConnectionSource) -> None:
        self._source = source

    async def add_many(self, deliveries: Sequence[EventDelivery]) -> None:
        if not deliveries:
            return
        conn = await self._source.connection()
        rows = [EVENT_DELIVERY.to_row(d) for d in deliveries]
        await conn.execute(event_deliveries.insert().values(rows))

    async def get(self, tenant_id: str | None, delivery_id: str) -> EventDelivery | None:
        conn = await self._source.connection()
        query = select(event_deliveries).where(_dl.id == delivery_id)
        if tenant_id is not None:
            query = query.where(_dl.tenant_id == tenant_id)
        row = (await conn.execute(query)).mappings().one_or_none()
        return EVENT_DELIVERY.from_row(row) if row is not None else None

    async def save(self, delivery: EventDelivery) -> None:
        conn = await self._source.connection()
        row = EVENT_DELIVERY.to_row(delivery)
        progress = {name: row[name] for name in EVENT_DELIVERY_PROGRESS}
        await update_versioned(
            conn, event_deliveries, {"id": delivery.id}, progress, delivery,
            f"Delivery {delivery.id}",
        )  # fmt: skip

    async def claim_due(
        self, now: datetime, lease: timedelta, limit: int
    ) -> Sequence[EventDelivery]:
        conn = await self._source.connection()
        order = (_dl.next_attempt_at, _dl.created_at, _dl.id)
        return await claim_leased(
            conn, event_deliveries, EVENT_DELIVERY, due=_is_due(now), order_by=order,
            limit=limit, now=now, lease=lease,
        )  # fmt: skip

    async def for_endpoint(
        self, tenant_id: str, endpoint_id: str, page: PageRequest
    ) -> Page[EventDelivery]:
        conn = await self._source.connection()
        scope = [_dl.tenant_id == tenant_id, _dl.endpoint_id == endpoint_id]
        found = await newest_first_page(conn, event_deliveries, scope, _dl.created_at, page)
        return Page([EVENT_DELIVERY.from_row(row) for row in found.data], found.has_more)

    async def for_event(self, tenant_id: str | None, event_id: str) -> Sequence[EventDelivery]:
        conn = await self._source.connection()
        query = select(event_deliveries).where(_dl.event_id == event_id)
        if tenant_id is not None:
            query = query.where(_dl.tenant_id == tenant_id)
        rows = (await conn.execute(query.order_by(_dl.created_at, _dl.id))).mappings()
        return [EVENT_DELIVERY.from_row(row) for row in rows]

    async def add_attempt(self, attempt: DeliveryAttempt) -> None:
        conn = await self._source.connection()
        await conn.execute(delivery_attempts.insert(), DELIVERY_ATTEMPT.to_row(attempt))

    async def attempts(self, delivery_id: str) -> Sequence[DeliveryAttempt]:
        conn = await self._source.connection()
        query = (
            select(delivery_attempts)
            .where(_at.delivery_id == delivery_id)
            .order_by(_at.attempted_at, _at.id)
        )
        return [DELIVERY_ATTEMPT.from_row(row) for row in (await conn.execute(query)).mappings()]
