"""What the fake gateway keeps: intents, refunds and disputes, shaped after Stripe's."""

from __future__ import annotations

from dataclasses import dataclass, field

from domain.money import Money
from domain.statuses import CaptureMethod, PaymentStatus, RefundState


@dataclass
class FakeIntent:
    id: str
    amount: Money
    capture_method: CaptureMethod
    status: PaymentStatus
    client_secret: str
    payment_method: str | None = None
    amount_capturable: int = 0
    amount_received: int = 0
    charge_id: str | None = None
    failure: tuple[str, str, str] | None = None
    cancellation_reason: str | None = None
    application_fee: Money | None = None
    connected_account: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass
class FakeRefund:
    id: str
    intent_id: str
    amount: Money
    reason: str | None
    status: RefundState
    refund_application_fee: bool = False
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass
class FakeDispute:
    id: str
    intent_id: str
    charge_id: str
    amount: Money
    status: str  # Stripe's: needs_response, under_review, won, lost
