"""The SQL webhook inbox: a cheap insert-once on receipt, leased claims for consumers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, or_, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite

from adapters.persistence.sql.leases import claim_leased
from adapters.persistence.sql.mapping import WEBHOOK_EVENT, WEBHOOK_EVENT_PROGRESS
from adapters.persistence.sql.pagination import newest_first_page
from adapters.persistence.sql.statements import (
    ConnectionSource,
    update_versioned,
)
from adapters.persistence.sql.tables import webhook_events
from application.ports.repositories import InboxStats, Page, PageRequest
from domain.webhook_event import WebhookEvent, WebhookEventKey, WebhookStatus

_events = webhook_events.c

# Built once: receipt is the webhook hot path, one statement and no read before it.
# Event ids are unique per gateway: the primary key, and so the conflict, is (id, gateway).
_KEY = ["id", "gateway"]
_INSERT_ONCE = {
    "postgresql": postgresql.insert(webhook_events).on_conflict_do_nothing(index_elements=_KEY),
    "sqlite": sqlite.insert(webhook_events).on_conflict_do_nothing(index_elements=_KEY),
}

_RETRYABLE = (WebhookStatus.PENDING.value, WebhookStatus.FAILED.value)
_UNFINISHED = {*_RETRYABLE, WebhookStatus.PROCESSING.value}


class SqlWebhookInbox:
    def __init__(self, source: ConnectionSource) -> None:
        self._source = source

    async def add(self, event: WebhookEvent) -> bool:
        conn = await self._source.connection()
        result = await conn.execute(_INSERT_ONCE[conn.dialect.name], WEBHOOK_EVENT.to_row(event))
        return result.rowcount == 1

    async def get(self, key: WebhookEventKey) -> WebhookEvent | None:
        conn = await self._source.connection()
        rows = await conn.execute(select(webhook_events).where(*_is(key)))
        found = rows.mappings().one_or_none()
        return WEBHOOK_EVENT.from_row(found) if found is not None else None

    async def find(self, event_id: str) -> Sequence[WebhookEvent]:
        conn = await self._source.connection()
        rows = await conn.execute(
            select(webhook_events).where(_events.id == event_id).order_by(_events.gateway)
        )
        return [WEBHOOK_EVENT.from_row(row) for row in rows.mappings()]

    async def save(self, event: WebhookEvent) -> None:
        conn = await self._source.connection()
        row = WEBHOOK_EVENT.to_row(event)
        progress = {name: row[name] for name in WEBHOOK_EVENT_PROGRESS}
        await update_versioned(
            conn, webhook_events, _is(event.key), progress, event.version,
            f"Webhook event {event.id} from {event.gateway}",
        )  # fmt: skip
        event.version += 1

    async def claim_due(
        self, now: datetime, lease: timedelta, limit: int
    ) -> Sequence[WebhookEvent]:
        """Lease the due events in the caller's transaction (see `claim_leased`)."""
        conn = await self._source.connection()
        order = (_events.next_attempt_at, _events.received_at, _events.id, _events.gateway)
        return await claim_leased(
            conn, webhook_events, WEBHOOK_EVENT, due=_is_due(now), order_by=order, limit=limit,
            now=now, lease=lease,
            keys=lambda found: tuple_(_events.id, _events.gateway).in_(
                [(e.id, e.gateway) for e in found]
            ),
        )  # fmt: skip

    async def list(
        self,
        status: WebhookStatus | None,
        event_type: str | None,
        page: PageRequest,
        gateway: str | None = None,
    ) -> Page[WebhookEvent]:
        owner: list[ColumnElement[bool]] = []  # where a cursor is looked up
        if gateway is not None:
            owner.append(_events.gateway == gateway)
        scope = list(owner)
        if status is not None:
            scope.append(_events.status == WebhookStatus(status).value)
        if event_type is not None:
            scope.append(_events.type == event_type)
        conn = await self._source.connection()
        found = await newest_first_page(
            conn, webhook_events, scope, _events.received_at, page, owner=owner
        )
        return Page([WEBHOOK_EVENT.from_row(row) for row in found.data], found.has_more)

    async def keys_with_status(self, status: WebhookStatus) -> Sequence[WebhookEventKey]:
        conn = await self._source.connection()
        rows = await conn.execute(
            select(_events.gateway, _events.id)
            .where(_events.status == WebhookStatus(status).value)
            .order_by(_events.gateway, _events.id)
        )
        return [WebhookEventKey(gateway, event_id) for gateway, event_id in rows]

    async def stats(self) -> InboxStats:
        conn = await self._source.connection()
        rows = await conn.execute(
            select(_events.status, func.count(), func.min(_events.received_at)).group_by(
                _events.status
            )
        )
        counts: dict[str, int] = {}
        oldest: datetime | None = None
        for status, count, first_received in rows:
            counts[status] = count
            if status in _UNFINISHED and (oldest is None or first_received < oldest):
                oldest = first_received
        return InboxStats(counts, oldest)


def _is(key: WebhookEventKey) -> list[ColumnElement[bool]]:
    return [_events.id == key.id, _events.gateway == key.gateway]


def _is_due(now: datetime) -> ColumnElement[bool]:
    """WebhookEvent.is_due as SQL: a retry whose time has come, or an expired lease."""
    return or_(
        and_(_events.status.in_(_RETRYABLE), _events.next_attempt_at <= now),
        and_(_events.status == WebhookStatus.PROCESSING.value, _events.locked_until <= now),
    )
