"""A receipt: what a customer is given when a payment succeeds, numbered gaplessly per
tenant and year. Its amounts are display strings (SPEC §2), written by
`domain.money.format_amount`, which the payment page shares."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from domain.errors import DomainError
from domain.events import DomainEvent, ReceiptIssued
from domain.money import Money, format_amount


def receipt_number(year: int, sequence: int) -> str:
    """`R-2025-000042`: the tenant's 42nd receipt of 2025."""
    if sequence < 1:
        raise DomainError("A receipt sequence starts at 1.")
    return f"R-{year}-{sequence:06d}"


@dataclass(frozen=True, slots=True)
class ReceiptLine:
    description: str
    quantity: int
    unit_amount: int

    @property
    def amount(self) -> int:
        return self.quantity * self.unit_amount


@dataclass(eq=False, slots=True)
class Receipt:
    """Issued once per succeeded payment; what it says never changes afterwards (refunds
    are shown against it from the payment, see `ReceiptRefund`)."""

    id: str
    tenant_id: str
    payment_id: str
    number: str
    merchant_name: str
    currency: str
    lines: list[ReceiptLine]
    total: int  # what was captured, in minor units
    issued_at: datetime
    invoice_number: str | None = None
    customer_email: str | None = None
    customer_name: str | None = None
    card_brand: str | None = None
    card_last4: str | None = None
    events: list[DomainEvent] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self.currency = Money(0, self.currency).currency
        if not self.lines:
            raise DomainError("A receipt has at least one line.")

    def record_issued(self) -> None:
        """Called once, by whoever issues it (one read back from storage records nothing)."""
        self.events.append(
            ReceiptIssued(
                payment_id=self.payment_id,
                tenant_id=self.tenant_id,
                occurred_at=self.issued_at,
                receipt_id=self.id,
            )
        )

    def pull_events(self) -> list[DomainEvent]:
        pulled, self.events = self.events, []
        return pulled

    def money(self, amount: int) -> Money:
        return Money(amount, self.currency)


@dataclass(frozen=True, slots=True)
class ReceiptRefund:
    """A refund shown against a receipt: one that succeeded."""

    id: str
    amount: int
    refunded_at: datetime
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class ReceiptDocument:
    """A receipt as rendered: the receipt, the refunds against it, what remains paid."""

    receipt: Receipt
    refunds: tuple[ReceiptRefund, ...] = ()

    @property
    def refunded(self) -> int:
        return sum(r.amount for r in self.refunds)

    @property
    def net(self) -> int:
        return self.receipt.total - self.refunded

    def display(self, amount: int) -> str:
        return format_amount(self.receipt.money(amount))

    def facts(
        self, number: str = "Receipt", card: str = "{brand} \u2022\u2022\u2022\u2022 {last4}"
    ) -> list[tuple[str, str]]:
        """The heading rows, label and value, of every rendering: the receipt's number
        (labelled `number`), its date, the invoice it pays, the card (spelt as `card`: a
        PDF core font has no U+2022) and who was billed."""
        receipt = self.receipt
        rows = [(number, receipt.number), ("Date", f"{receipt.issued_at:%Y-%m-%d}")]
        if receipt.invoice_number:
            rows.append(("Invoice", receipt.invoice_number))
        if receipt.card_brand and receipt.card_last4:
            paid_with = card.format(brand=receipt.card_brand.title(), last4=receipt.card_last4)
            rows.append(("Paid with", paid_with))
        if receipt.customer_email:
            rows.append(("Billed to", receipt.customer_name or receipt.customer_email))
        return rows

    def totals(self, minus: str = "\u2212") -> list[tuple[str, str]]:
        """The closing rows, label and amount, of every rendering: what was paid, each
        refund (after `minus`: a PDF core font has no U+2212), and, when anything was
        refunded, what remains paid."""
        rows = [("Total paid", self.display(self.receipt.total))]
        rows += [
            (f"Refund on {refund.refunded_at:%Y-%m-%d}", f"{minus}{self.display(refund.amount)}")
            for refund in self.refunds
        ]
        if self.refunds:
            rows.append(("Net paid", self.display(self.net)))
        return rows
