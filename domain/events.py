"""Domain events: past-tense facts recorded by aggregates, published after commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.money import Money


@dataclass(frozen=True, slots=True)
class DomainEvent:
    payment_id: str
    tenant_id: str
    occurred_at: datetime


@dataclass(frozen=True, slots=True)
class PaymentCreated(DomainEvent):
    amount: Money


@dataclass(frozen=True, slots=True)
class PaymentRequiresAction(DomainEvent):
    pass


@dataclass(frozen=True, slots=True)
class PaymentAuthorized(DomainEvent):
    amount: Money


@dataclass(frozen=True, slots=True)
class PaymentCaptured(DomainEvent):
    amount: Money
    platform_fee: Money


@dataclass(frozen=True, slots=True)
class PaymentFailed(DomainEvent):
    failure_code: str | None


@dataclass(frozen=True, slots=True)
class PaymentCanceled(DomainEvent):
    reason: str | None


@dataclass(frozen=True, slots=True)
class PaymentOutcomeUnknown(DomainEvent):
    operation: str


@dataclass(frozen=True, slots=True)
class RefundRequested(DomainEvent):
    refund_id: str
    amount: Money


@dataclass(frozen=True, slots=True)
class PaymentRefunded(DomainEvent):
    refund_id: str
    amount: Money
    platform_fee_reversed: Money


@dataclass(frozen=True, slots=True)
class RefundFailed(DomainEvent):
    refund_id: str
    amount: Money


@dataclass(frozen=True, slots=True)
class GatewayFeeReported(DomainEvent):
    gateway_fee: Money


@dataclass(frozen=True, slots=True)
class DisputeOpened(DomainEvent):
    amount: Money


@dataclass(frozen=True, slots=True)
class DisputeClosed(DomainEvent):
    outcome: str


@dataclass(frozen=True, slots=True)
class InvoicePaid(DomainEvent):
    """`payment_id`: the payment that completed it."""

    invoice_id: str


@dataclass(frozen=True, slots=True)
class ReceiptIssued(DomainEvent):
    receipt_id: str
