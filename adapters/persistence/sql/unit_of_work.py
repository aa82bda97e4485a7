"""The SQL unit of work: one transaction on one connection, events published after commit."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from adapters.persistence.sql.audit_repository import SqlAuditRepository
from adapters.persistence.sql.customer_repositories import (
    SqlCustomerRepository,
    SqlInvoiceRepository,
    SqlSavedPaymentMethodRepository,
)
from adapters.persistence.sql.idempotency_repository import SqlIdempotencyRepository
from adapters.persistence.sql.mail_outbox import SqlMailOutbox
from adapters.persistence.sql.merchant_events import (
    SqlEventDeliveryRepository,
    SqlMerchantEventOutbox,
    SqlWebhookEndpointRepository,
)
from adapters.persistence.sql.payment_repository import SqlPaymentRepository
from adapters.persistence.sql.portal_token_repository import SqlPortalTokenRepository
from adapters.persistence.sql.receipt_repository import SqlReceiptRepository
from adapters.persistence.sql.tenant_repositories import SqlFeeTierRepository, SqlTenantRepository
from adapters.persistence.sql.webhook_inbox import SqlWebhookInbox
from adapters.persistence.unit_of_work_scope import RollbackUnlessCommitted
from application.ports.system import EventPublisher
from application.ports.unit_of_work import TransactionalHandler
from domain.events import DomainEvent


class SqlUnitOfWork(RollbackUnlessCommitted):
    """Checks a connection out on first use and gives it back at commit or rollback.

    With SQLite's single pooled connection a unit of work that is open but idle
    (waiting on a gateway) then blocks no one; commit and rollback end the transaction.
    """

    def __init__(
        self,
        engine: AsyncEngine,
        publisher: EventPublisher,
        handlers: Sequence[TransactionalHandler] = (),
    ) -> None:
        self._engine = engine
        self._publisher = publisher
        self._handlers = tuple(handlers)
        self._conn: AsyncConnection | None = None
        self._seen: list[Any] = []
        self.payments = SqlPaymentRepository(self, self._seen)
        self.tenants = SqlTenantRepository(self)
        self.fee_tiers = SqlFeeTierRepository(self)
        self.idempotency = SqlIdempotencyRepository(self)
        self.audit = SqlAuditRepository(self)
        self.webhooks = SqlWebhookInbox(self)
        self.customers = SqlCustomerRepository(self)
        self.invoices = SqlInvoiceRepository(self, self._seen)
        self.payment_methods = SqlSavedPaymentMethodRepository(self)
        self.portal_tokens = SqlPortalTokenRepository(self)
        self.receipts = SqlReceiptRepository(self, self._seen)
        self.mail = SqlMailOutbox(self)
        self.merchant_events = SqlMerchantEventOutbox(self)
        self.webhook_endpoints = SqlWebhookEndpointRepository(self)
        self.event_deliveries = SqlEventDeliveryRepository(self)

    async def connection(self) -> AsyncConnection:
        if self._conn is None:
            self._conn = await self._engine.connect()
        return self._conn

    async def commit(self) -> None:
        for handler in self._handlers:  # inside the transaction: they commit with it
            await handler.handle(self, list(self._seen))
        await self._release(commit=True)
        events: list[DomainEvent] = []
        for aggregate in self._seen:
            if hasattr(aggregate, "pull_events"):
                events.extend(aggregate.pull_events())
        self._seen.clear()
        if events:
            await self._publisher.publish(events)

    async def rollback(self) -> None:
        self._seen.clear()
        await self._release(commit=False)

    async def _release(self, *, commit: bool) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            if commit:
                await conn.commit()
            else:
                await conn.rollback()
        finally:
            await conn.close()
