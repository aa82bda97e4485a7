"""The SQL unit of work: its repositories over one `SqlTransaction` (see there for when
the transaction begins and how writes wait), domain events published after commit."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

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
from adapters.persistence.sql.transaction import SqlTransaction
from adapters.persistence.sql.webhook_inbox import SqlWebhookInbox
from adapters.persistence.unit_of_work_scope import RollbackUnlessCommitted
from application.ports.system import EventPublisher
from application.ports.unit_of_work import TransactionalHandler
from domain.events import DomainEvent


class SqlUnitOfWork(RollbackUnlessCommitted):
    """The repositories of one transaction; its transactional handlers run at commit, in
    the transaction, and the events its aggregates recorded are published after it."""

    def __init__(
        self,
        engine: AsyncEngine,
        publisher: EventPublisher,
        handlers: Sequence[TransactionalHandler] = (),
    ) -> None:
        self._publisher = publisher
        self._handlers = tuple(handlers)
        self._transaction = tx = SqlTransaction(engine)
        self._seen: list[Any] = []
        self.payments = SqlPaymentRepository(tx, self._seen)
        self.tenants = SqlTenantRepository(tx)
        self.fee_tiers = SqlFeeTierRepository(tx)
        self.idempotency = SqlIdempotencyRepository(tx)
        self.audit = SqlAuditRepository(tx)
        self.webhooks = SqlWebhookInbox(tx)
        self.customers = SqlCustomerRepository(tx)
        self.invoices = SqlInvoiceRepository(tx, self._seen)
        self.payment_methods = SqlSavedPaymentMethodRepository(tx)
        self.portal_tokens = SqlPortalTokenRepository(tx)
        self.receipts = SqlReceiptRepository(tx, self._seen)
        self.mail = SqlMailOutbox(tx)
        self.merchant_events = SqlMerchantEventOutbox(tx)
        self.webhook_endpoints = SqlWebhookEndpointRepository(tx)
        self.event_deliveries = SqlEventDeliveryRepository(tx)

    async def commit(self) -> None:
        for handler in self._handlers:  # inside the transaction: they commit with it
            await handler.handle(self, list(self._seen))
        await self._transaction.commit()
        events: list[DomainEvent] = []
        for aggregate in self._seen:
            if hasattr(aggregate, "pull_events"):
                events.extend(aggregate.pull_events())
        self._seen.clear()
        if events:
            await self._publisher.publish(events)

    async def rollback(self) -> None:
        self._seen.clear()
        await self._transaction.rollback()
