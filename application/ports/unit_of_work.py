"""The unit of work port: one transaction over every repository."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Protocol, Self

from application.ports.events import (
    EventDeliveryRepository,
    MerchantEventOutbox,
    WebhookEndpointRepository,
)
from application.ports.mail import MailOutbox
from application.ports.receipts import ReceiptRepository
from application.ports.repositories import (
    AuditRepository,
    CustomerRepository,
    FeeTierRepository,
    IdempotencyRepository,
    InvoiceRepository,
    PaymentRepository,
    PortalTokenRepository,
    SavedPaymentMethodRepository,
    TenantRepository,
)
from application.ports.webhook_inbox import WebhookInbox


class UnitOfWork(Protocol):
    """One transaction. Rolls back unless `commit()` is called; events flow after commit."""

    @property
    def payments(self) -> PaymentRepository: ...
    @property
    def tenants(self) -> TenantRepository: ...
    @property
    def fee_tiers(self) -> FeeTierRepository: ...
    @property
    def idempotency(self) -> IdempotencyRepository: ...
    @property
    def audit(self) -> AuditRepository: ...
    @property
    def webhooks(self) -> WebhookInbox: ...
    @property
    def customers(self) -> CustomerRepository: ...
    @property
    def invoices(self) -> InvoiceRepository: ...
    @property
    def payment_methods(self) -> SavedPaymentMethodRepository: ...
    @property
    def portal_tokens(self) -> PortalTokenRepository: ...
    @property
    def receipts(self) -> ReceiptRepository: ...
    @property
    def mail(self) -> MailOutbox: ...
    @property
    def merchant_events(self) -> MerchantEventOutbox: ...
    @property
    def webhook_endpoints(self) -> WebhookEndpointRepository: ...
    @property
    def event_deliveries(self) -> EventDeliveryRepository: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...


UnitOfWorkFactory = Callable[[], UnitOfWork]


class TransactionalHandler(Protocol):
    """Reacts to what a unit of work changed, inside its transaction: `commit()` calls
    every handler before the transaction commits, with the aggregates the unit of work
    saw (their `events` not yet pulled). What a handler writes through `uow` commits or
    rolls back with the change; an error from a handler rolls the whole change back."""

    async def handle(self, uow: UnitOfWork, aggregates: Sequence[object]) -> None: ...
