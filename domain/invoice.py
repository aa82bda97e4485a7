"""An invoice the portal shows and takes payments for (Kassa keeps what the portal needs)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from domain.errors import DomainError, InvalidAmountError
from domain.events import DomainEvent, InvoicePaid
from domain.money import Money
from domain.sync_result import SyncResult


class InvoiceStatus(StrEnum):
    OPEN = "open"
    PAID = "paid"
    VOID = "void"


class InvoicePaidError(DomainError):
    code = "invoice_paid"


class InvoiceNotPayableError(DomainError):
    code = "invoice_not_payable"


class AmountExceedsDueError(DomainError):
    code = "amount_exceeds_due"
    param = "amount"


@dataclass(frozen=True, slots=True)
class InvoiceLine:
    description: str
    quantity: int
    unit_amount: int

    def __post_init__(self) -> None:
        if self.quantity < 1:
            raise InvalidAmountError("A line's quantity is at least 1.", param="lines")
        if self.unit_amount < 0:
            raise InvalidAmountError("A line's unit_amount is never negative.", param="lines")
        if not self.description.strip():
            raise DomainError("A line needs a description.", param="lines")

    @property
    def amount(self) -> int:
        return self.quantity * self.unit_amount


@dataclass(eq=False, slots=True)
class Invoice:
    id: str
    tenant_id: str
    customer_id: str
    number: str
    currency: str
    lines: list[InvoiceLine]
    created_at: datetime
    due_date: date | None = None
    amount_paid: int = 0
    status: InvoiceStatus = InvoiceStatus.OPEN
    payment_ids: list[str] = field(default_factory=list)
    version: int = 0
    events: list[DomainEvent] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        if not self.lines:
            raise DomainError("An invoice has at least one line.", param="lines")
        self.currency = Money(0, self.currency).currency
        if self.total <= 0:
            raise InvalidAmountError("An invoice's total is positive.", param="lines")

    @property
    def total(self) -> int:
        return sum(line.amount for line in self.lines)

    @property
    def amount_due(self) -> int:
        return max(self.total - self.amount_paid, 0)

    def payable_amount(self, requested: int | None) -> Money:
        """What a portal payment may take now: by default all that is due, never more."""
        if self.status is InvoiceStatus.PAID:
            raise InvoicePaidError(f"Invoice {self.number} is paid.")
        if self.status is not InvoiceStatus.OPEN:
            raise InvoiceNotPayableError(f"Invoice {self.number} is {self.status.value}.")
        amount = self.amount_due if requested is None else requested
        if amount <= 0:
            raise InvalidAmountError("A payment takes a positive amount.")
        if amount > self.amount_due:
            raise AmountExceedsDueError(f"Only {self.amount_due} is due on invoice {self.number}.")
        return Money(amount, self.currency)

    def record_payment(self, payment_id: str, amount: Money, at: datetime) -> SyncResult:
        """Apply a succeeded payment once, whichever of confirm and webhook comes first;
        the one that pays it in full records `InvoicePaid`."""
        if payment_id in self.payment_ids:
            return SyncResult.UNCHANGED
        if amount.currency != self.currency:
            raise DomainError("The payment's currency is not the invoice's.")
        self.payment_ids.append(payment_id)
        self.amount_paid += amount.amount
        if self.amount_paid >= self.total and self.status is InvoiceStatus.OPEN:
            self.status = InvoiceStatus.PAID
            self.events.append(
                InvoicePaid(
                    payment_id=payment_id,
                    tenant_id=self.tenant_id,
                    occurred_at=at,
                    invoice_id=self.id,
                )
            )
        return SyncResult.APPLIED

    def pull_events(self) -> list[DomainEvent]:
        pulled, self.events = self.events, []
        return pulled
