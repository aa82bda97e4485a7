"""What a gateway reports about an intent or a refund, in domain terms (never SDK objects)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from domain.money import Money
from domain.statuses import PaymentStatus, RefundState


@dataclass(frozen=True, slots=True)
class GatewayIntent:
    """A snapshot of the gateway's payment intent: the single input to `Payment.sync`."""

    gateway_payment_id: str
    status: PaymentStatus
    amount: Money
    amount_capturable: int = 0
    amount_received: int = 0
    client_secret: str | None = None
    charge_id: str | None = None
    payment_method: str | None = None
    failure_code: str | None = None
    failure_message: str | None = None
    decline_code: str | None = None
    cancellation_reason: str | None = None
    next_action: dict[str, Any] | None = field(default=None, hash=False, compare=False)


@dataclass(frozen=True, slots=True)
class GatewayRefund:
    gateway_refund_id: str
    gateway_payment_id: str
    amount: Money
    status: RefundState
    reason: str | None = None
    failure_reason: str | None = None
    kassa_refund_id: str | None = None  # Kassa's own refund, as the gateway's metadata names it


@dataclass(frozen=True, slots=True)
class GatewayPaymentMethod:
    """A card saved at the gateway: what the portal may show of it."""

    gateway_payment_method_id: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int
