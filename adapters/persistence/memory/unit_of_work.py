"""The in-memory unit of work: staged writes, applied atomically on commit."""

from __future__ import annotations

from collections.abc import Sequence

from adapters.persistence.memory.mail_outbox import InMemoryMailOutbox
from adapters.persistence.memory.merchant_events import (
    InMemoryEventDeliveryRepository,
    InMemoryMerchantEventOutbox,
    InMemoryWebhookEndpointRepository,
)
from adapters.persistence.memory.portal_repositories import (
    InMemoryCustomerRepository,
    InMemoryInvoiceRepository,
    InMemoryPortalTokenRepository,
    InMemorySavedPaymentMethodRepository,
)
from adapters.persistence.memory.receipt_repository import InMemoryReceiptRepository
from adapters.persistence.memory.repositories import (
    InMemoryAuditRepository,
    InMemoryFeeTierRepository,
    InMemoryIdempotencyRepository,
    InMemoryPaymentRepository,
    InMemoryTenantRepository,
    Staging,
)
from adapters.persistence.memory.store import InMemoryStore
from adapters.persistence.memory.webhook_inbox import InMemoryWebhookInbox
from adapters.persistence.unit_of_work_scope import RollbackUnlessCommitted
from application.ports.system import EventPublisher
from application.ports.unit_of_work import TransactionalHandler
from domain.events import DomainEvent


class InMemoryUnitOfWork(RollbackUnlessCommitted):
    def __init__(
        self,
        store: InMemoryStore,
        publisher: EventPublisher,
        handlers: Sequence[TransactionalHandler] = (),
    ) -> None:
        self._store = store
        self._publisher = publisher
        self._handlers = tuple(handlers)
        self._staging = Staging(store)
        self._rebind()

    async def commit(self) -> None:
        for handler in self._handlers:  # their writes are staged with the change's
            await handler.handle(self, list(self._staging.seen))
        # No await between the checks and the writes: the commit is atomic on the loop.
        for check in self._staging.checks:
            check()
        for write in self._staging.writes:
            write()
        self._staging.release()
        events: list[DomainEvent] = []
        for aggregate in self._staging.seen:
            events.extend(aggregate.pull_events() if hasattr(aggregate, "pull_events") else [])
        self._staging = Staging(self._store)
        self._rebind()
        if events:
            await self._publisher.publish(events)

    async def rollback(self) -> None:
        self._staging.release()
        self._staging = Staging(self._store)
        self._rebind()

    def _rebind(self) -> None:
        """Fresh repositories over the current staging (after commit or rollback)."""
        self.payments = InMemoryPaymentRepository(self._staging)
        self.tenants = InMemoryTenantRepository(self._staging)
        self.fee_tiers = InMemoryFeeTierRepository(self._staging)
        self.idempotency = InMemoryIdempotencyRepository(self._staging)
        self.audit = InMemoryAuditRepository(self._staging)
        self.webhooks = InMemoryWebhookInbox(self._staging)
        self.customers = InMemoryCustomerRepository(self._staging)
        self.invoices = InMemoryInvoiceRepository(self._staging)
        self.payment_methods = InMemorySavedPaymentMethodRepository(self._staging)
        self.portal_tokens = InMemoryPortalTokenRepository(self._staging)
        self.receipts = InMemoryReceiptRepository(self._staging)
        self.mail = InMemoryMailOutbox(self._staging)
        self.merchant_events = InMemoryMerchantEventOutbox(self._staging)
        self.webhook_endpoints = InMemoryWebhookEndpointRepository(self._staging)
        self.event_deliveries = InMemoryEventDeliveryRepository(self._staging)
