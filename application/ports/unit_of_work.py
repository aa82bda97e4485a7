"""The unit of work port: one transaction over every repository."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Protocol, Self

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
    WebhookInbox,
)


class UnitOfWork(Protocol):
    """One transaction. Rolls back unless `commit()` is called; events flow after commit."""

    payments: PaymentRepository
    tenants: TenantRepository
    fee_tiers: FeeTierRepository
    idempotency: IdempotencyRepository
    audit: AuditRepository
    webhooks: WebhookInbox
    customers: CustomerRepository
    invoices: InvoiceRepository
    payment_methods: SavedPaymentMethodRepository
    portal_tokens: PortalTokenRepository

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
