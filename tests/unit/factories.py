"""Builders for domain objects in the states tests need."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from application.payments.create_payment import CreatePaymentCommand
from domain.capture_method import CaptureMethod
from domain.fees import STRIPE_STANDARD_PRICING, FeeSchedule, FeeTerms
from domain.gateway_results import GatewayIntent
from domain.money import Money
from domain.payment import Payment
from domain.statuses import PaymentStatus

T0 = datetime(2026, 1, 1, tzinfo=UTC)
STARTER_USD = FeeTerms.resolve(FeeSchedule(300), STRIPE_STANDARD_PRICING, "USD")


def new_payment(
    amount: int = 10_000,
    currency: str = "USD",
    capture_method: CaptureMethod = CaptureMethod.MANUAL,
) -> Payment:
    return Payment.create(
        id="pay_1",
        tenant_id="ten_1",
        order_id="ord_1",
        amount=Money(amount, currency),
        capture_method=capture_method,
        now=T0,
        gateway="fake",
        payment_method="pm_card_visa",
    )


def intent(payment: Payment, status: PaymentStatus, **fields: object) -> GatewayIntent:
    values: dict[str, object] = {
        "gateway_payment_id": "pi_1",
        "status": status,
        "amount": payment.amount,
    }
    values.update(fields)
    return GatewayIntent(**values)  # type: ignore[arg-type]


def authorized(amount: int = 10_000, currency: str = "USD") -> Payment:
    payment = new_payment(amount, currency)
    payment.sync(
        intent(payment, PaymentStatus.REQUIRES_CAPTURE, amount_capturable=amount), STARTER_USD, T0
    )
    return payment


def captured(
    amount: int = 10_000,
    capture: int | None = None,
    terms: FeeTerms = STARTER_USD,
    currency: str = "USD",
) -> Payment:
    payment = authorized(amount, currency)
    taken = amount if capture is None else capture
    payment.sync(intent(payment, PaymentStatus.SUCCEEDED, amount_received=taken), terms, T0)
    return payment


def payment_command(
    method: str | None = "pm_card_visa",
    *,
    manual: bool = False,
    confirm: bool = True,
    order: str = "ord_1",
    **extra: Any,
) -> CreatePaymentCommand:
    """100.00 USD for tenant ten_1's `order`, confirmed at once with `method`."""
    return CreatePaymentCommand(
        tenant_id="ten_1",
        order_id=order,
        amount=10_000,
        currency="usd",
        capture_method=CaptureMethod.MANUAL if manual else CaptureMethod.AUTOMATIC,
        confirm=confirm,
        payment_method=method,
        **extra,
    )
