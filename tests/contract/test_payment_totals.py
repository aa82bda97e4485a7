"""Statistics computed by every store equal a plain recomputation over the payments
(SPEC §8): hypothesis draws the payments, their captures, refunds, failures and disputes."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from application.ports.unit_of_work import UnitOfWorkFactory
from domain.capture_method import CaptureMethod
from domain.fees import STRIPE_STANDARD_PRICING, FeeSchedule, FeeTerms
from domain.gateway_results import GatewayIntent
from domain.money import Money
from domain.payment import Payment
from domain.statuses import DisputeStatus, PaymentStatus
from tests.contract.builders import T0

WINDOW = timedelta(days=90)
_ids = itertools.count(1)

payment_plans = st.fixed_dictionaries(
    {
        "currency": st.sampled_from(["USD", "JPY", "KWD"]),
        "amount": st.integers(10_000, 500_000),
        "fate": st.sampled_from(["open", "authorized", "failed", "captured", "canceled"]),
        "capture_share": st.integers(1, 100),  # % of the amount captured
        "refunds": st.lists(st.tuples(st.integers(1, 100), st.booleans()), max_size=3),
        "disputed": st.booleans(),
        "day": st.integers(0, 9),
    }
)


def build(tenant: str, plan: dict[str, Any]) -> Payment:
    n = next(_ids)
    currency, amount = plan["currency"], plan["amount"]
    terms = FeeTerms.resolve(FeeSchedule(300), STRIPE_STANDARD_PRICING, currency)
    now = T0 + timedelta(days=plan["day"])
    payment = Payment.create(
        id=f"pay_{tenant}_{n}", tenant_id=tenant, order_id=f"ord_{n}",
        amount=Money(amount, currency), capture_method=CaptureMethod.MANUAL, now=now,
        gateway="fake", payment_method="pm_card_visa",
    )  # fmt: skip
    fate = plan["fate"]

    def intent(status: PaymentStatus, **extra: object) -> GatewayIntent:
        return GatewayIntent(f"pi_{tenant}_{n}", status, payment.amount, **extra)  # type: ignore[arg-type]

    if fate == "open":
        return payment
    if fate == "failed":
        payment.sync(intent(PaymentStatus.FAILED, failure_code="card_declined"), terms, now)
        return payment
    payment.sync(intent(PaymentStatus.REQUIRES_CAPTURE, amount_capturable=amount), terms, now)
    if fate == "canceled":
        payment.record_cancellation("abandoned", now)
    elif fate == "captured":
        taken = max(1, amount * plan["capture_share"] // 100)
        payment.sync(intent(PaymentStatus.SUCCEEDED, amount_received=taken), terms, now)
        for i, (share, succeeds) in enumerate(plan["refunds"]):
            wanted = payment.refundable.amount * share // 100
            if wanted == 0:
                continue
            refund = payment.request_refund(
                refund_id=f"re_{n}_{i}", amount=wanted, reason=None, now=now, window=WINDOW
            )
            if succeeds:
                payment.complete_refund(refund.id, f"gre_{n}_{i}", now)
            else:
                payment.fail_refund(refund.id, "lost", now)
    if plan["disputed"] and payment.status is PaymentStatus.SUCCEEDED:
        payment.open_dispute(payment.amount, DisputeStatus.NEEDS_RESPONSE, now)
    return payment


def recomputed(payments: list[Payment], currency: str) -> dict[str, object]:
    found = [p for p in payments if p.currency == currency]
    return {
        "counts": dict(Counter(p.status.value for p in found)),
        "gross": sum(p.amount.amount for p in found),
        "captured": sum(p.amount_captured for p in found),
        "refunded": sum(p.amount_refunded for p in found),
        "platform_fees": sum(p.platform_fee for p in found),
        "platform_fees_reversed": sum(p.platform_fee_reversed for p in found),
        "gateway_fees": sum(p.gateway_fee for p in found),
        "disputed": sum(p.dispute_status is not DisputeStatus.NONE for p in found),
    }


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    plans=st.lists(payment_plans, min_size=1, max_size=8),
    window=st.tuples(st.integers(0, 10), st.integers(0, 10)),
)
async def test_totals_equal_a_recomputation_over_the_payments(
    uow_factory: UnitOfWorkFactory,
    unique: str,
    plans: list[dict[str, Any]],
    window: tuple[int, int],
) -> None:
    tenant = f"ten_{unique}_{next(_ids)}"
    payments = [build(tenant, plan) for plan in plans]
    async with uow_factory() as uow:
        for payment in payments:
            await uow.payments.add(payment)
        await uow.commit()
    since, until = T0 + timedelta(days=min(window)), T0 + timedelta(days=max(window))
    inside = [p for p in payments if since <= p.created_at < until]

    async with uow_factory() as uow:
        everything = await uow.payments.totals(tenant, None, None)
        windowed = await uow.payments.totals(tenant, since, until)
        others = await uow.payments.totals(f"{tenant}_nobody", None, None)

    assert [t.currency for t in everything] == sorted({p.currency for p in payments})
    for totals in everything:
        assert {k: getattr(totals, k) for k in recomputed(payments, totals.currency)} == (
            recomputed(payments, totals.currency)
        )
    assert [t.currency for t in windowed] == sorted({p.currency for p in inside})
    for totals in windowed:
        assert totals.captured == recomputed(inside, totals.currency)["captured"]
        assert dict(totals.counts) == recomputed(inside, totals.currency)["counts"]
    assert others == []
