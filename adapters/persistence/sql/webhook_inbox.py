"""The SQL webhook inbox: a cheap insert-once on receipt, leased claims for consumers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, func, or_, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.persistence.sql.mapping import WEBHOOK_EVENT, WEBHOOK_EVENT_PROGRESS
from adapters.persistence.sql.pagination import newest_first_page
from adapters.persistence.sql.statements import (
    ConnectionSource,
    hold_sqlite_write_lock,
    update_versioned,
)
from adapters.persistence.sql.tables import WEBHOOK_EVENTS_WAITING, webhook_events
from application.errors import StaleAggregateError
from application.ports.repositories import Page, PageRequest
from application.ports.webhook_inbox import InboxStats, WebhookEventFilter
from domain.webhook_event import WebhookEvent, WebhookEventKey, WebhookStatus

_events = webhook_events.c

# Built once: receipt is the webhook hot path, one statement and no read before it.
# Event ids are unique per gateway: the primary key, and so the conflict, is (id, gateway).
_KEY = ["id", "gateway"]
_INSERT_ONCE = {
    "postgresql": postgresql.insert(webhook_events).on_conflict_do_nothing(index_elements=_KEY),
    "sqlite": sqlite.insert(webhook_events).on_conflict_do_nothing(index_elements=_KEY),
}
# The same on PostgreSQL through the driver (`SqlWebhookQueue.receive`): a row back when
# the event was stored, none when it was there already.
INSERT_ONCE_RETURNING = _INSERT_ONCE["postgresql"].returning(_events.id)

_UNFINISHED = {
    s.value for s in (WebhookStatus.PENDING, WebhookStatus.FAILED, WebhookStatus.PROCESSING)
}
# Oldest first: the order of the partial index ix_webhook_events_due_at, so no sort.
_CLAIM_ORDER = (_events.next_attempt_at, _events.received_at, _events.id, _events.gateway)


def insert_once(conn: Connection, event: WebhookEvent) -> bool:
    """The event stored unless its (id, gateway) already is; whether it was. On the sync
    connection, so that receipt can check one out and insert in a single greenlet hop
    (`SqlWebhookQueue.receive`)."""
    result = conn.execute(_INSERT_ONCE[conn.dialect.name], WEBHOOK_EVENT.to_row(event))
    return result.rowcount == 1


class SqlWebhookInbox:
    def __init__(self, source: ConnectionSource) -> None:
        self._source = source

    async def add(self, event: WebhookEvent) -> bool:
        conn = await self._source.connection()
        return await conn.run_sync(insert_once, event)

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
            conn, webhook_events, {"id": event.id, "gateway": event.gateway}, progress, event,
            f"Webhook event {event.id} from {event.gateway}",
        )  # fmt: skip

    async def save_all(self, events: Sequence[WebhookEvent]) -> None:
        """One UPDATE per set of equal changes (a consumer's batch: mostly one), each
        checking every event's version: `WHERE (id, gateway, version) IN (…)`."""
        groups: dict[tuple[Any, ...], list[WebhookEvent]] = {}
        for event in events:
            row = WEBHOOK_EVENT.to_row(event)
            groups.setdefault(tuple(row[name] for name in WEBHOOK_EVENT_PROGRESS), []).append(event)
        conn = await self._source.connection()
        for progress, group in groups.items():
            keys = [(e.id, e.gateway, e.version) for e in group]
            result = await conn.execute(
                update(webhook_events)
                .where(tuple_(_events.id, _events.gateway, _events.version).in_(keys))
                .values(version=_events.version + 1),
                dict(zip(WEBHOOK_EVENT_PROGRESS, progress, strict=True)),
            )
            if result.rowcount != len(group):
                raise StaleAggregateError(f"{len(group) - result.rowcount} webhook event(s) moved.")
        for event in events:
            event.version += 1

    async def claim_due(
        self, now: datetime, lease: timedelta, limit: int
    ) -> Sequence[WebhookEvent]:
        """Lease the due events: on PostgreSQL one statement (the keys picked through the
        partial index under FOR UPDATE SKIP LOCKED, then updated, the rows returned); on
        SQLite the keys under the write lock, then the update. Payloads are read only for
        the events claimed."""
        if limit < 1:
            return []
        conn = await self._source.connection()
        until = now + lease
        lease_it = {
            "status": WebhookStatus.PROCESSING.value,
            "locked_until": until,
            "next_attempt_at": until,
            "version": _events.version + 1,
        }
        if conn.dialect.name == "postgresql":
            return await _claim_in_one_statement(conn, _due_keys(now, limit), lease_it)
        await hold_sqlite_write_lock(conn)
        keys = [(row.id, row.gateway) for row in await conn.execute(_due_keys(now, limit))]
        if not keys:
            return []
        claimed = await conn.execute(
            update(webhook_events)
            .where(tuple_(_events.id, _events.gateway).in_(keys))
            .values(lease_it)
            .returning(*webhook_events.c)
        )
        place = {key: n for n, key in enumerate(keys)}
        found = sorted(claimed.mappings(), key=lambda row: place[(row["id"], row["gateway"])])
        return [WEBHOOK_EVENT.from_row(row) for row in found]

    async def list(self, where: WebhookEventFilter, page: PageRequest) -> Page[WebhookEvent]:
        owner: list[ColumnElement[bool]] = []  # where a cursor is looked up
        if where.gateway is not None:
            owner.append(_events.gateway == where.gateway)
        scope = list(owner)
        if where.status is not None:
            scope.append(_events.status == WebhookStatus(where.status).value)
        if where.event_type is not None:
            scope.append(_events.type == where.event_type)
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


def _due_keys(now: datetime, limit: int) -> Select[tuple[str, str, datetime]]:
    """The keys of the next due events, oldest first, read from the partial index alone
    (WebhookEvent.is_due as SQL: a lease's expiry is its next_attempt_at, and the
    locked_until test only re-checks the rows the index gave)."""
    return (
        select(_events.id, _events.gateway, _events.next_attempt_at.label("due_at"))
        .where(
            WEBHOOK_EVENTS_WAITING,
            _events.next_attempt_at <= now,
            or_(
                _events.status != WebhookStatus.PROCESSING.value,
                _events.locked_until <= now,
            ),
        )
        .order_by(*_CLAIM_ORDER)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )


async def _claim_in_one_statement(
    conn: AsyncConnection, keys: Select[tuple[str, str, datetime]], lease_it: dict[str, Any]
) -> list[WebhookEvent]:
    """WITH due AS (SELECT keys … FOR UPDATE SKIP LOCKED) UPDATE … FROM due RETURNING:
    safe in autocommit, since the one statement is its own transaction."""
    due = keys.cte("due")
    claimed = await conn.execute(
        update(webhook_events)
        .where(_events.id == due.c.id, _events.gateway == due.c.gateway)
        .values(lease_it)
        .returning(*webhook_events.c, due.c.due_at)
    )
    rows = sorted(
        claimed.mappings(), key=lambda r: (r["due_at"], r["received_at"], r["id"], r["gateway"])
    )
    return [WEBHOOK_EVENT.from_row(row) for row in rows]
