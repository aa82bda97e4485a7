"""The webhook queue on SQL: receipt and claim, each a single statement committed on its
own. On PostgreSQL both run in autocommit (no BEGIN, no COMMIT: one round trip each),
receipt straight to the driver on a lent connection;
SQLite claims inside a write transaction (its claim is two statements under the lock)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.util import greenlet_spawn

from adapters.persistence.sql.driver import read_on_lent
from adapters.persistence.sql.engine import lends_at_once
from adapters.persistence.sql.mapping import WEBHOOK_EVENT
from adapters.persistence.sql.webhook_inbox import (
    INSERT_ONCE_RETURNING,
    SqlWebhookInbox,
    insert_once,
)
from domain.webhook_event import WebhookEvent


class _Held:
    """A connection source that always hands out the one connection it holds."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def connection(self) -> AsyncConnection:
        return self._conn


class SqlWebhookQueue:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        # Shares the engine's pool; only the connections' isolation level differs.
        self._autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._claim_in_one = engine.dialect.name == "postgresql"
        self._lends = lends_at_once(engine.sync_engine)  # PostgreSQL engines only

    async def receive(self, event: WebhookEvent) -> bool:
        if self._lends:  # PostgreSQL: to the driver on a lent connection, no greenlet hop
            row = WEBHOOK_EVENT.to_row(event)
            return bool(await read_on_lent(self._engine, INSERT_ONCE_RETURNING, row))
        # Check-out, insert and return in one greenlet hop, where the async API takes
        # three; autocommit set on the connection itself (the pool resets it on return),
        # not by the option engine's connect event, which also makes SQLAlchemy dispatch
        # events around every statement. Together about a fifth of receipt's CPU.
        return await greenlet_spawn(self._receive, event)

    def _receive(self, event: WebhookEvent) -> bool:
        with self._engine.sync_engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT")
            return insert_once(conn, event)

    async def claim_due(
        self, now: datetime, lease: timedelta, limit: int
    ) -> Sequence[WebhookEvent]:
        if self._claim_in_one:
            async with self._autocommit.connect() as conn:
                return await SqlWebhookInbox(_Held(conn)).claim_due(now, lease, limit)
        async with self._engine.begin() as conn:
            return await SqlWebhookInbox(_Held(conn)).claim_due(now, lease, limit)
