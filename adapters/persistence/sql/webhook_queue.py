"""The webhook queue on SQL: receipt and claim, each a single statement committed on its
own. On PostgreSQL both run in autocommit (no BEGIN, no COMMIT: one round trip each);
SQLite claims inside a write transaction (its claim is two statements under the lock)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from adapters.persistence.sql.webhook_inbox import SqlWebhookInbox
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

    async def receive(self, event: WebhookEvent) -> bool:
        async with self._autocommit.connect() as conn:
            return await SqlWebhookInbox(_Held(conn)).add(event)

    async def claim_due(
        self, now: datetime, lease: timedelta, limit: int
    ) -> Sequence[WebhookEvent]:
        if self._claim_in_one:
            async with self._autocommit.connect() as conn:
                return await SqlWebhookInbox(_Held(conn)).claim_due(now, lease, limit)
        async with self._engine.begin() as conn:
            return await SqlWebhookInbox(_Held(conn)).claim_due(now, lease, limit)
