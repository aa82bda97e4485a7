"""Duplicate-payment prevention and serialised writers, the same for every store (SPEC §3)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from application.errors import DuplicatePaymentError
from domain.capture_method import CaptureMethod
from domain.money import Money
from domain.payment import Payment
from tests.contract.builders import T0, adder, at, authorize, capture, new_payment


def exclusive(pid: str, tenant_id: str, order_id: str = "ord_1", *, claim: bool = True) -> Payment:
    payment = Payment.create(
        id=pid, tenant_id=tenant_id, order_id=order_id, amount=Money(5_000, "USD"),
        capture_method=CaptureMethod.AUTOMATIC, now=T0, gateway="fake",
        payment_method="pm_card_visa", exclusive=True,
    )  # fmt: skip
    if claim:
        payment.claim_order()
    return payment


add = adder(lambda uow: uow.payments)


async def test_a_second_claim_on_an_order_is_refused(uow_factory, unique):
    tenant = f"ten_{unique}"
    await add(uow_factory, exclusive(f"pay_{unique}_1", tenant))

    with pytest.raises(DuplicatePaymentError):
        await add(uow_factory, exclusive(f"pay_{unique}_2", tenant))

    async with uow_factory() as uow:
        stored = await uow.payments.for_order(tenant, "ord_1")
    assert [p.id for p in stored] == [f"pay_{unique}_1"]


async def test_claims_are_per_tenant_and_order_and_unclaimed_payments_never_collide(
    uow_factory, unique
):
    tenant = f"ten_{unique}"
    await add(uow_factory, exclusive(f"pay_{unique}_1", tenant))
    await add(uow_factory, exclusive(f"pay_{unique}_2", tenant, "ord_2"))
    await add(uow_factory, exclusive(f"pay_{unique}_3", f"ten_{unique}_b"))
    await add(uow_factory, exclusive(f"pay_{unique}_4", tenant, claim=False))  # an open intent


async def test_a_claim_taken_by_saving_is_refused_too(uow_factory, unique):
    tenant = f"ten_{unique}"
    await add(uow_factory, exclusive(f"pay_{unique}_1", tenant))
    intent = exclusive(f"pay_{unique}_2", tenant, claim=False)
    await add(uow_factory, intent)

    async with uow_factory() as uow:
        confirming = await uow.payments.get(tenant, intent.id, for_update=True)
        assert confirming is not None
        confirming.claim_order()
        with pytest.raises(DuplicatePaymentError):
            await uow.payments.save(confirming)
            await uow.commit()


async def test_a_failed_payment_releases_its_order(uow_factory, unique):
    tenant = f"ten_{unique}"
    first = exclusive(f"pay_{unique}_1", tenant)
    await add(uow_factory, first)
    async with uow_factory() as uow:
        declined = await uow.payments.get(tenant, first.id, for_update=True)
        assert declined is not None
        declined.record_cancellation("abandoned", at(1))
        assert not declined.order_claim
        await uow.payments.save(declined)
        await uow.commit()

    await add(uow_factory, exclusive(f"pay_{unique}_2", tenant))


async def test_concurrent_claims_on_one_order_let_exactly_one_through(uow_factory, unique):
    tenant = f"ten_{unique}"
    outcomes = await asyncio.gather(
        *(add(uow_factory, exclusive(f"pay_{unique}_{n}", tenant)) for n in range(8)),
        return_exceptions=True,
    )
    assert sum(o is None for o in outcomes) == 1
    assert all(isinstance(o, DuplicatePaymentError) for o in outcomes if o is not None)


async def test_writers_reading_for_update_never_lose_a_race(uow_factory, unique):
    """Twenty concurrent read-modify-writes of one payment: every one saved, none stale."""
    tenant = f"ten_{unique}"
    payment = exclusive(f"pay_{unique}", tenant, claim=False)
    payment.metadata["count"] = "0"
    await add(uow_factory, payment)

    async def bump() -> None:
        async with uow_factory() as uow:
            current = await uow.payments.get(tenant, payment.id, for_update=True)
            assert current is not None
            await asyncio.sleep(0)  # let the others in, if the store would let them
            current.metadata["count"] = str(int(current.metadata["count"]) + 1)
            await uow.payments.save(current)
            await uow.commit()

    await asyncio.gather(*(bump() for _ in range(20)))

    async with uow_factory() as uow:
        final = await uow.payments.get(tenant, payment.id)
    assert final is not None and final.metadata["count"] == "20"


@pytest.mark.parametrize(
    ("reached", "settles"),
    [
        ("open intent", False),
        ("authorized", True),
        ("captured", True),
        ("partly refunded", True),
        ("fully refunded", False),
        ("canceled", False),
    ],
)
async def test_an_order_is_refused_exactly_when_a_payment_settles_it(
    uow_factory, unique, reached, settles
):
    """The store's duplicate rule is the domain's (`Payment.is_settled_for_order`), for
    payments taken with allow_additional too, which hold no claim. A refusal sent with
    the insert (PostgreSQL) undoes the insert."""
    tenant = f"ten_{unique}"
    existing = _reached(new_payment(f"pay_{unique}_1", tenant), reached, unique)
    assert existing.is_settled_for_order is settles
    await add(uow_factory, existing)

    second = exclusive(f"pay_{unique}_2", tenant, claim=False)
    try:
        async with uow_factory() as uow:
            await uow.payments.refuse_settled_order(tenant, "ord_1")
            await uow.payments.add(second)
            await uow.commit()
    except DuplicatePaymentError:
        refused = True
    else:
        refused = False

    assert refused is settles
    async with uow_factory() as uow:
        stored = {p.id for p in await uow.payments.for_order(tenant, "ord_1")}
        await uow.payments.refuse_settled_order(tenant, "ord_2")  # another order: free
        await uow.commit()
    assert stored == {existing.id} | (set() if settles else {second.id})


def _reached(payment: Payment, reached: str, unique: str) -> Payment:
    if reached == "open intent":
        return payment
    if reached == "canceled":
        payment.record_cancellation("abandoned", at(1))
        return payment
    authorize(payment, f"pi_{unique}")
    if reached == "authorized":
        return payment
    capture(payment, at(1))
    if reached == "partly refunded":
        _refund(payment, unique, 1_000)
    elif reached == "fully refunded":
        _refund(payment, unique, payment.amount_captured)
    return payment


def _refund(payment: Payment, unique: str, amount: int) -> None:
    refund = payment.request_refund(
        refund_id=f"re_{unique}", amount=amount, reason="duplicate", now=at(2),
        window=timedelta(days=90),
    )  # fmt: skip
    payment.complete_refund(refund.id, f"gre_{unique}", at(3))
