"""Domain objects for the contract suite, and a way to compare them field by field."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from application.ports.repositories import PageRequest
from application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from domain.capture_method import CaptureMethod
from domain.dispute import Dispute
from domain.fees import STRIPE_STANDARD_PRICING, FeeSchedule, FeeTerms
from domain.gateway_results import GatewayIntent, GatewayRefund
from domain.money import Money
from domain.payment import Payment
from domain.payment_fees import GatewayFeeSource, PaymentFees
from domain.statuses import DisputeStatus, PaymentStatus, RefundState

T0 = datetime(2026, 1, 1, tzinfo=UTC)
STARTER_USD = FeeTerms.resolve(FeeSchedule(300), STRIPE_STANDARD_PRICING, "USD")


def adder(repository: Callable[[UnitOfWork], Any]) -> Callable[..., Awaitable[None]]:
    """`add(uow_factory, *items)`: the items added to `repository`, in one unit of work."""

    async def add(uow_factory: UnitOfWorkFactory, *items: Any) -> None:
        async with uow_factory() as uow:
            for item in items:
                await repository(uow).add(item)
            await uow.commit()

    return add


def at(seconds: int) -> datetime:
    return T0 + timedelta(seconds=seconds)


def new_payment(
    pid: str,
    tenant_id: str,
    *,
    order_id: str = "ord_1",
    created: datetime = T0,
    amount: int = 10_000,
    customer_id: str | None = None,
) -> Payment:
    payment = Payment.create(
        id=pid, tenant_id=tenant_id, order_id=order_id, amount=Money(amount, "USD"),
        capture_method=CaptureMethod.MANUAL, now=created, gateway="fake",
        payment_method="pm_card_visa", customer_id=customer_id,
    )  # fmt: skip
    payment.pull_events()
    return payment


def authorize(payment: Payment, gateway_id: str, now: datetime = T0) -> None:
    intent = GatewayIntent(
        gateway_payment_id=gateway_id, status=PaymentStatus.REQUIRES_CAPTURE,
        amount=payment.amount, amount_capturable=payment.amount.amount,
    )  # fmt: skip
    payment.sync(intent, STARTER_USD, now)


def capture(payment: Payment, now: datetime = T0) -> None:
    assert payment.gateway_payment_id is not None
    intent = GatewayIntent(
        gateway_payment_id=payment.gateway_payment_id, status=PaymentStatus.SUCCEEDED,
        amount=payment.amount, amount_received=payment.amount.amount, charge_id="ch_1",
    )  # fmt: skip
    payment.sync(intent, STARTER_USD, now)


def with_refunds_in_every_state(payment: Payment, unique: str) -> None:
    """A captured payment with one succeeded, one failed and one pending refund."""
    window = timedelta(days=90)
    later = T0 + timedelta(hours=1)
    done = payment.request_refund(
        refund_id=f"re_{unique}_1",
        amount=1_000,
        reason="requested_by_customer",
        now=later,
        window=window,
    )
    payment.complete_refund(done.id, f"gre_{unique}_1", later + timedelta(seconds=5))
    failed = payment.request_refund(
        refund_id=f"re_{unique}_2", amount=2_000, reason="duplicate", now=later, window=window
    )
    payment.fail_refund(failed.id, "expired_or_canceled_card", later + timedelta(seconds=6))
    payment.absorb_gateway_refund(
        f"re_{unique}_3",
        GatewayRefund(
            gateway_refund_id=f"gre_{unique}_3",
            gateway_payment_id=payment.gateway_payment_id or "",
            amount=Money(500, "USD"),
            status=RefundState.PENDING,
        ),
        later,
    )


def every_field_payment(pid: str, tenant_id: str, unique: str) -> Payment:
    """Every attribute off its default, with microseconds and a non-UTC offset."""
    plus_two = timezone(timedelta(hours=2))
    return Payment(
        id=pid, tenant_id=tenant_id, order_id=f"ord_{unique}", amount=Money(1_130, "CAD"),
        capture_method=CaptureMethod.AUTOMATIC,
        created_at=datetime(2026, 1, 1, 2, 0, 0, 123_456, tzinfo=plus_two),
        updated_at=datetime(2026, 1, 2, 3, 4, 5, 678_901, tzinfo=UTC),
        status=PaymentStatus.PROCESSING, customer_id="cus_1", payment_method="pm_card_visa",
        description="Two croissants", metadata={"cart": "42", "note": "déjà vu ✓"},
        amount_capturable=1_130, amount_captured=1_000,
        captured_at=datetime(2026, 1, 1, 12, 30, tzinfo=UTC),
        fees=PaymentFees(
            terms=FeeTerms(platform_bps=150, platform_fixed=10, gateway_bps=290,
                           gateway_fixed=30),
            platform_fee=25, gateway_fee=59, gateway_fee_source=GatewayFeeSource.ACTUAL,
        ),
        gateway="stripe", connected_account_id=f"acct_{unique}",
        gateway_payment_id=f"pi_{unique}", gateway_charge_id=f"ch_{unique}",
        client_secret=f"pi_{unique}_secret_x",
        next_action={"type": "redirect_to_url",
                     "redirect_to_url": {"url": "https://x.test/3ds", "return_url": None},
                     "nested": [1, 2.5, True]},
        failure_code="card_declined", failure_message="Your card was declined.",
        decline_code="insufficient_funds", cancellation_reason="abandoned",
        outcome_unknown=True, dispute=Dispute(DisputeStatus.NEEDS_RESPONSE, 1_000),
        version=3,
    )  # fmt: skip


def state(value: Any) -> Any:
    """All persisted fields (events aside), nested dataclasses and mappings as dicts."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: state(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if f.name != "events"
        }
    if isinstance(value, Mapping):
        return {k: state(v) for k, v in value.items()}
    if isinstance(value, list):
        return [state(v) for v in value]
    return value


def datetimes_in(value: Any) -> list[datetime]:
    if isinstance(value, datetime):
        return [value]
    if isinstance(value, dict):
        return [d for v in value.values() for d in datetimes_in(v)]
    if isinstance(value, list):
        return [d for v in value for d in datetimes_in(v)]
    return []


def page_at(param: str, cursor: str) -> PageRequest:
    """A page request whose `param` (`starting_after` or `ending_before`) is `cursor`."""
    if param == "starting_after":
        return PageRequest(starting_after=cursor)
    if param == "ending_before":
        return PageRequest(ending_before=cursor)
    raise ValueError(f"not a cursor parameter: {param}")
