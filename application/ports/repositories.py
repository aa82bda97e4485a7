"""The repository ports, one per aggregate or entity, and the shapes of their pages."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, Protocol, TypeVar

from domain.audit import AuditEntry
from domain.customer import Customer, SavedPaymentMethod
from domain.fees import FeeTier
from domain.idempotency import IdempotencyRecord
from domain.invoice import Invoice
from domain.payment import Payment
from domain.portal_token import PortalToken
from domain.statuses import PaymentStatus
from domain.tenant import Tenant

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class PageRequest:
    """A cursor (`starting_after` or `ending_before`) is the id of an object the caller
    can see in the listed collection, filtered out or not; for any other id a repository
    raises UnknownCursorError rather than answer an empty page."""

    limit: int = 10
    starting_after: str | None = None
    ending_before: str | None = None

    @property
    def cursor(self) -> tuple[str, str] | None:
        """(parameter, id) of the cursor, if the page has one."""
        if self.starting_after is not None:
            return "starting_after", self.starting_after
        if self.ending_before is not None:
            return "ending_before", self.ending_before
        return None


@dataclass(frozen=True, slots=True)
class PaymentFilter:
    status: PaymentStatus | None = None
    customer_id: str | None = None
    order_id: str | None = None
    created_gte: datetime | None = None
    created_lte: datetime | None = None


@dataclass(frozen=True, slots=True)
class DriftCutoffs:
    """When a payment's gateway state may have drifted: `processing` or `requires_action`
    not updated since `stuck_before`, `requires_capture` created before `authorized_before`."""

    stuck_before: datetime
    authorized_before: datetime


@dataclass(frozen=True, slots=True)
class PaymentTotals:
    """What the store sums up over one currency's payments (SPEC §8), amounts in minor
    units: `gross` asked for, `captured`, `refunded`, the fees taken and given back."""

    currency: str
    counts: Mapping[str, int]  # payments by status
    gross: int
    captured: int
    refunded: int
    platform_fees: int
    platform_fees_reversed: int
    gateway_fees: int
    disputed: int  # payments with a dispute, open or closed


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    data: Sequence[T]
    has_more: bool


class PaymentRepository(Protocol):
    """Payments and their refunds. Writers of one payment are serialised: a read
    `for_update` holds the payment until the unit of work ends (a row lock on
    PostgreSQL, the one write lock on SQLite), so a change recorded after the gateway
    acted never loses a race. `add` and `save` raise DuplicatePaymentError when a second
    payment would hold its order's claim (`Payment.order_claim`)."""

    async def add(self, payment: Payment) -> None: ...

    async def get(
        self, tenant_id: str, payment_id: str, *, for_update: bool = False
    ) -> Payment | None:
        """The tenant's payment, or None (another tenant's payment is None too)."""
        ...

    async def get_by_gateway_id(
        self, gateway_payment_id: str, *, for_update: bool = False
    ) -> Payment | None: ...

    async def lock_by_gateway_ids(self, gateway_payment_ids: Sequence[str]) -> Sequence[Payment]:
        """The payments behind these gateway ids, read for update in one go and locked in
        one order (by id), so two callers locking overlapping sets never deadlock."""
        ...

    async def save(self, payment: Payment) -> None:
        """Persist changes; raise StaleAggregateError if its version moved meanwhile
        (only possible for a payment not read `for_update` in this unit of work)."""
        ...

    async def discard(self, payment: Payment) -> None:
        """Remove a payment the gateway never saw (its request was refused)."""
        ...

    async def for_order(self, tenant_id: str, order_id: str) -> Sequence[Payment]: ...

    async def refuse_settled_order(self, tenant_id: str, order_id: str) -> None:
        """DuplicatePaymentError when the tenant's order has a payment that settles it
        (`Payment.is_settled_for_order`): now, or, where the store sends its writes
        together, with them (at the unit of work's next statement, its commit at the
        latest), so taking a payment needs no read of its order's payments first."""
        ...

    async def needing_reconciliation(
        self, cutoffs: DriftCutoffs, limit: int, after_id: str | None = None
    ) -> Sequence[Payment]:
        """Every tenant's payments whose gateway state may have drifted, by id: an unknown
        outcome, `processing` or `requires_action` not updated since `cutoffs.stuck_before`,
        `requires_capture` created before `cutoffs.authorized_before`, or a pending refund."""
        ...

    async def list(self, tenant_id: str, where: PaymentFilter, page: PageRequest) -> Page[Payment]:
        """Newest first, cursor-paginated by payment id."""
        ...

    async def totals(
        self, tenant_id: str | None, created_gte: datetime | None, created_lt: datetime | None
    ) -> Sequence[PaymentTotals]:
        """Sums per currency (sorted) over the payments created in [gte, lt), one tenant's
        or every tenant's (None), computed by the store, never by loading payments."""
        ...


class TenantRepository(Protocol):
    async def add(self, tenant: Tenant) -> None: ...

    async def get(self, tenant_id: str) -> Tenant | None: ...

    async def save(self, tenant: Tenant) -> None: ...

    async def list(self) -> Sequence[Tenant]: ...


class FeeTierRepository(Protocol):
    async def add(self, tier: FeeTier) -> None: ...

    async def get(self, code: str) -> FeeTier | None: ...

    async def save(self, tier: FeeTier) -> None: ...

    async def list(self) -> Sequence[FeeTier]: ...


class IdempotencyRepository(Protocol):
    async def add(self, record: IdempotencyRecord) -> None:
        """Insert; raise IdempotencyKeyInUseError if the (tenant, key) exists already."""
        ...

    async def get(self, tenant_id: str, key: str) -> IdempotencyRecord | None: ...

    async def save(self, record: IdempotencyRecord) -> None:
        """Persist changes; raise StaleAggregateError if its version moved meanwhile."""
        ...

    async def delete(self, tenant_id: str, key: str) -> None: ...

    async def purge_expired(self, now: datetime) -> int: ...


@dataclass(frozen=True, slots=True)
class AuditFilter:
    tenant_id: str | None = None
    action: str | None = None
    entity_id: str | None = None


class AuditRepository(Protocol):
    async def add(self, entry: AuditEntry) -> None: ...

    async def list(self, where: AuditFilter, page: PageRequest) -> Page[AuditEntry]:
        """Newest first, cursor-paginated by entry id; tenant None means every tenant."""
        ...


class CustomerRepository(Protocol):
    async def add(self, customer: Customer) -> None: ...

    async def get(self, tenant_id: str, customer_id: str) -> Customer | None: ...

    async def save(self, customer: Customer) -> None: ...

    async def list(self, tenant_id: str, page: PageRequest) -> Page[Customer]: ...


class InvoiceRepository(Protocol):
    async def add(self, invoice: Invoice) -> None:
        """Insert; raise ConflictError if the tenant has an invoice with that number."""
        ...

    async def get(self, tenant_id: str, invoice_id: str) -> Invoice | None: ...

    async def save(self, invoice: Invoice) -> None: ...

    async def for_portal(
        self, tenant_id: str, customer_id: str, invoice_id: str | None
    ) -> Sequence[Invoice]:
        """In one read: the customer's open invoices and the invoice `invoice_id` (of the
        tenant, whatever its status), oldest first."""
        ...

    async def open_for_customer(self, tenant_id: str, customer_id: str) -> Sequence[Invoice]:
        """The customer's open invoices, oldest first."""
        ...

    async def list(
        self, tenant_id: str, customer_id: str | None, page: PageRequest
    ) -> Page[Invoice]: ...


class SavedPaymentMethodRepository(Protocol):
    async def add(self, method: SavedPaymentMethod) -> None:
        """Insert; CardKeptAlreadyError (here or at commit) when the customer keeps the
        same gateway payment method already, not removed."""
        ...

    async def get(self, tenant_id: str, method_id: str) -> SavedPaymentMethod | None: ...

    async def save(self, method: SavedPaymentMethod) -> None: ...

    async def for_customer(self, tenant_id: str, customer_id: str) -> Sequence[SavedPaymentMethod]:
        """The customer's active (not removed) methods, oldest first."""
        ...


class PortalTokenRepository(Protocol):
    async def add(self, token: PortalToken) -> None: ...

    async def get(self, tenant_id: str, token_id: str) -> PortalToken | None: ...

    async def by_selector(self, selector: str) -> PortalToken | None: ...

    async def save(self, token: PortalToken) -> None: ...

    async def record_use(
        self, token_id: str, now: datetime, ip: str | None, user_agent: str | None
    ) -> None:
        """Count one use atomically, without a version bump (uses never conflict)."""
        ...

    async def use_by_selector(
        self, selector: str, now: datetime, ip: str | None, user_agent: str | None
    ) -> PortalToken | None:
        """`record_use` on the viewable token (`PortalToken.is_viewable` at `now`) with this
        selector, returning it as it is then; None, and no use counted, when there is
        none. The read and the count are one statement (the portal's warm path), and the
        use stands on its own: a store may keep it even if the unit of work then rolls
        back (PostgreSQL does, when it is the unit of work's first statement)."""
        ...

    async def for_invoice(self, invoice_id: str) -> Sequence[PortalToken]: ...

    async def list(
        self, tenant_id: str, customer_id: str | None, page: PageRequest
    ) -> Page[PortalToken]: ...
