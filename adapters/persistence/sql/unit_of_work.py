"""The SQL unit of work: one transaction on one connection, events published after commit.

On PostgreSQL the transaction begins only when something needs it: plain reads before
it run in autocommit (under READ COMMITTED each statement has its own snapshot inside a
transaction too), writes wait in a `WriteBatch`, and a unit of work that only read and
then wrote is one statement at commit, with no BEGIN or COMMIT.
"""

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
from adapters.persistence.sql.write_batch import Write, WriteBatch, run_now
from adapters.persistence.unit_of_work_scope import RollbackUnlessCommitted
from application.ports.system import EventPublisher
from application.ports.unit_of_work import TransactionalHandler
from domain.events import DomainEvent


class SqlUnitOfWork(RollbackUnlessCommitted):
    """Checks a connection out on first use and gives it back at commit or rollback.

    With SQLite's single pooled connection a unit of work that is open but idle
    (waiting on a gateway) then blocks no one; commit and rollback end the transaction.
    Repositories ask for `connection()` (in the transaction, every waiting write sent),
    `single_statement()` (a plain read, or a write that stands on its own) or hand
    over a `write()`.
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
        # PostgreSQL: writes wait here, and the transaction begins when first needed.
        self._batch = WriteBatch() if engine.dialect.name == "postgresql" else None
        self._in_transaction = self._batch is None
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

    @property
    def dialect(self) -> str:
        return self._engine.dialect.name

    async def connection(self) -> AsyncConnection:
        """The connection in the transaction, every waiting write sent."""
        conn = await self._in_transaction_now()
        if self._batch:
            await self._batch.send(conn)
        return conn

    async def _in_transaction_now(self) -> AsyncConnection:
        if self._conn is None:  # checked out for the transaction: no autocommit first
            self._conn = await self._engine.connect()
            self._in_transaction = True
        conn = self._conn
        if not self._in_transaction:
            if conn.in_transaction():  # SQLAlchemy's own, over autocommit: nothing to end
                await conn.commit()
            await conn.execution_options(isolation_level=conn.default_isolation_level)
            self._in_transaction = True
        return conn

    async def single_statement(self) -> AsyncConnection:
        """A connection for a statement that needs no transaction around it: a plain
        read (no lock, no snapshot shared with other reads), or a write that stands on
        its own. Outside a transaction (autocommit: such a write is kept at once, whatever
        the unit of work does next) until the unit of work writes or locks."""
        if self._in_transaction or self._batch:
            return await self.connection()
        return await self._checked_out()

    async def write(self, write: Write) -> None:
        """Run `write` now (SQLite), or queue it to go with the next statement (PostgreSQL).
        Its error (a conflict, a unique violation) is raised now or at that statement."""
        if self._batch is None:
            await run_now(await self.connection(), write)
            return
        if self._batch.changes(write):  # one row twice: the first must go before
            await self.connection()
        self._batch.add(write)

    async def _checked_out(self) -> AsyncConnection:
        if self._conn is None:
            self._conn = await self._engine.connect()
            if not self._in_transaction:
                await self._conn.execution_options(isolation_level="AUTOCOMMIT")
        return self._conn

    async def commit(self) -> None:
        for handler in self._handlers:  # inside the transaction: they commit with it
            await handler.handle(self, list(self._seen))
        if self._batch:  # in the transaction, or alone: one statement is atomic
            if self._conn is None:  # nothing read or locked: the statement is the work
                await self._batch.send_alone(self._engine)
            else:
                await self._batch.send(self._conn, autocommit=not self._in_transaction)
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
        if self._batch is not None:
            self._batch.clear()
        await self._release(commit=False)

    async def _release(self, *, commit: bool) -> None:
        conn, self._conn = self._conn, None
        self._in_transaction = self._batch is None
        if conn is None:
            return
        try:
            if commit:
                await conn.commit()
            else:
                await conn.rollback()
        finally:
            await conn.close()
