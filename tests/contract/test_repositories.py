"""The payment repository and unit-of-work contract, the same for every store."""

from __future__ import annotations

from datetime import timedelta

import pytest

from application.errors import StaleAggregateError
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.capture_method import CaptureMethod
from domain.events import PaymentAuthorized, PaymentCaptured, PaymentCreated
from domain.money import Money
from domain.payment import Payment
from domain.statuses import PaymentStatus
from tests.contract.builders import (
    T0,
    adder,
    authorize,
    capture,
    datetimes_in,
    every_field_payment,
    new_payment,
    state,
    with_refunds_in_every_state,
)
from tests.support.publishers import RecordingEventPublisher

add = adder(lambda uow: uow.payments)


async def get(uow_factory: UnitOfWorkFactory, tenant_id: str, pid: str) -> Payment | None:
    async with uow_factory() as uow:
        return await uow.payments.get(tenant_id, pid)


async def test_a_payment_with_every_field_set_round_trips(uow_factory, unique):
    payment = every_field_payment(f"pay_{unique}", f"ten_{unique}", unique)
    await add(uow_factory, payment)

    loaded = await get(uow_factory, payment.tenant_id, payment.id)

    assert loaded is not None
    assert state(loaded) == state(payment)
    assert loaded.created_at.microsecond == 123_456
    assert all(moment.tzinfo is not None for moment in datetimes_in(state(loaded)))


async def test_a_payment_for_an_invoice_keeps_its_invoice_id(uow_factory, unique):
    payment = every_field_payment(f"pay_{unique}", f"ten_{unique}", unique)
    payment.invoice_id = f"inv_{unique}"
    await add(uow_factory, payment)

    loaded = await get(uow_factory, payment.tenant_id, payment.id)
    assert loaded is not None and loaded.invoice_id == f"inv_{unique}"
    assert state(loaded) == state(payment)

    loaded.record_cancellation("abandoned", T0 + timedelta(days=1))
    async with uow_factory() as uow:
        await uow.payments.save(loaded)
        await uow.commit()
    saved = await get(uow_factory, payment.tenant_id, payment.id)
    assert saved is not None and saved.invoice_id == f"inv_{unique}"


def captured_with_every_refund(unique: str) -> Payment:
    """`pay_<unique>` of `ten_<unique>`, captured, with a refund in every state."""
    payment = new_payment(f"pay_{unique}", f"ten_{unique}")
    authorize(payment, f"pi_{unique}")
    capture(payment)
    with_refunds_in_every_state(payment, unique)
    return payment


async def test_a_captured_payment_keeps_its_refunds_in_every_state(uow_factory, unique):
    payment = captured_with_every_refund(unique)
    await add(uow_factory, payment)

    loaded = await get(uow_factory, payment.tenant_id, payment.id)

    assert loaded is not None
    assert state(loaded) == state(payment)
    assert [r.status.value for r in loaded.refunds] == ["succeeded", "failed", "pending"]
    assert loaded.fee_terms == payment.fee_terms
    assert (loaded.amount_refunded, loaded.refund_status.value) == (1_000, "partial")
    assert loaded.platform_fee_reversed == payment.platform_fee_reversed


async def test_refunds_are_added_and_changed_in_place_by_later_saves(uow_factory, unique):
    payment = new_payment(f"pay_{unique}", f"ten_{unique}")
    authorize(payment, f"pi_{unique}")
    capture(payment)
    await add(uow_factory, payment)

    loaded = await get(uow_factory, payment.tenant_id, payment.id)
    assert loaded is not None and loaded.refunds == []
    with_refunds_in_every_state(loaded, unique)
    async with uow_factory() as uow:
        await uow.payments.save(loaded)
        await uow.commit()
    again = await get(uow_factory, payment.tenant_id, payment.id)
    assert again is not None and state(again) == state(loaded)

    pending = again.refunds[2]
    again.complete_refund(pending.id, f"gre_{unique}_3", T0 + timedelta(hours=2))
    async with uow_factory() as uow:
        await uow.payments.save(again)
        await uow.commit()
    last = await get(uow_factory, payment.tenant_id, payment.id)
    assert last is not None and state(last) == state(again)
    assert [r.status.value for r in last.refunds] == ["succeeded", "failed", "succeeded"]


async def test_another_tenants_payment_is_not_found(uow_factory, unique):
    payment = new_payment(f"pay_{unique}", f"ten_{unique}")
    await add(uow_factory, payment)

    assert await get(uow_factory, f"ten_other_{unique}", payment.id) is None
    assert await get(uow_factory, payment.tenant_id, f"pay_missing_{unique}") is None


async def test_a_payment_is_found_by_its_gateway_id_whatever_the_tenant(uow_factory, unique):
    payment = new_payment(f"pay_{unique}", f"ten_{unique}")
    authorize(payment, f"pi_{unique}")
    await add(uow_factory, payment, new_payment(f"pay_{unique}_b", f"ten_{unique}"))

    async with uow_factory() as uow:
        found = await uow.payments.get_by_gateway_id(f"pi_{unique}")
        missing = await uow.payments.get_by_gateway_id(f"pi_missing_{unique}")

    assert found is not None and found.id == payment.id
    assert missing is None


async def test_save_persists_changes_and_bumps_the_version(uow_factory, unique):
    payment = new_payment(f"pay_{unique}", f"ten_{unique}")
    await add(uow_factory, payment)

    async with uow_factory() as uow:
        loaded = await uow.payments.get(payment.tenant_id, payment.id)
        assert loaded is not None and loaded.version == 0
        authorize(loaded, f"pi_{unique}")
        capture(loaded)
        with_refunds_in_every_state(loaded, unique)
        await uow.payments.save(loaded)
        await uow.commit()
    assert loaded.version == 1

    async with uow_factory() as uow:
        again = await uow.payments.get(payment.tenant_id, payment.id)
        assert again is not None
        assert state(again) == state(loaded)
        again.fail_refund(f"re_{unique}_3", "lost", T0 + timedelta(days=1))
        await uow.payments.save(again)
        await uow.commit()

    final = await get(uow_factory, payment.tenant_id, payment.id)
    assert final is not None and final.version == 2
    assert [r.status.value for r in final.refunds] == ["succeeded", "failed", "failed"]


async def test_the_second_of_two_concurrent_saves_is_stale(uow_factory, unique):
    payment = new_payment(f"pay_{unique}", f"ten_{unique}")
    await add(uow_factory, payment)
    first = await get(uow_factory, payment.tenant_id, payment.id)
    second = await get(uow_factory, payment.tenant_id, payment.id)
    assert first is not None and second is not None

    authorize(first, f"pi_{unique}")
    async with uow_factory() as uow:
        await uow.payments.save(first)
        await uow.commit()
    second.record_cancellation("abandoned", T0)
    with pytest.raises(StaleAggregateError):  # by save() or at commit
        async with uow_factory() as uow:
            await uow.payments.save(second)
            await uow.commit()

    stored = await get(uow_factory, payment.tenant_id, payment.id)
    assert stored is not None
    assert (stored.status, stored.version) == (PaymentStatus.REQUIRES_CAPTURE, 1)


async def test_adding_an_existing_payment_id_is_refused(uow_factory, unique):
    await add(uow_factory, new_payment(f"pay_{unique}", f"ten_{unique}"))

    with pytest.raises(StaleAggregateError):
        await add(uow_factory, new_payment(f"pay_{unique}", f"ten_{unique}"))


async def test_nothing_is_written_without_commit(uow_factory, unique):
    tenant = f"ten_{unique}"
    async with uow_factory() as uow:
        await uow.payments.add(new_payment(f"pay_{unique}_a", tenant))
    async with uow_factory() as uow:
        await uow.payments.add(new_payment(f"pay_{unique}_b", tenant))
        await uow.rollback()
    with pytest.raises(RuntimeError):
        async with uow_factory() as uow:
            await uow.payments.add(new_payment(f"pay_{unique}_c", tenant))
            raise RuntimeError("the use case failed")

    for suffix in "abc":
        assert await get(uow_factory, tenant, f"pay_{unique}_{suffix}") is None


async def test_a_unit_of_work_can_commit_twice(uow_factory, unique):
    tenant = f"ten_{unique}"
    async with uow_factory() as uow:
        await uow.payments.add(new_payment(f"pay_{unique}_a", tenant))
        await uow.commit()
        await uow.payments.add(new_payment(f"pay_{unique}_b", tenant))
        await uow.commit()

    assert await get(uow_factory, tenant, f"pay_{unique}_a") is not None
    assert await get(uow_factory, tenant, f"pay_{unique}_b") is not None


async def test_a_discarded_payment_is_gone_with_its_refunds(uow_factory, unique):
    payment = captured_with_every_refund(unique)
    await add(uow_factory, payment)

    async with uow_factory() as uow:
        stored = await uow.payments.get(payment.tenant_id, payment.id)
        assert stored is not None
        await uow.payments.discard(stored)
        await uow.commit()

    assert await get(uow_factory, payment.tenant_id, payment.id) is None
    reborn = captured_with_every_refund(unique)  # same refund ids, same gateway ids
    await add(uow_factory, reborn)


async def test_for_order_gives_the_tenants_payments_of_the_order_newest_first(uow_factory, unique):
    tenant, order = f"ten_{unique}", f"ord_{unique}"
    await add(
        uow_factory,
        new_payment(f"pay_{unique}_1", tenant, order_id=order, created=T0),
        new_payment(f"pay_{unique}_3", tenant, order_id=order, created=T0 + timedelta(hours=2)),
        new_payment(f"pay_{unique}_2", tenant, order_id=order, created=T0 + timedelta(hours=1)),
        new_payment(f"pay_{unique}_x", tenant, order_id=f"ord_other_{unique}"),
        new_payment(f"pay_{unique}_y", f"ten_other_{unique}", order_id=order),
    )

    async with uow_factory() as uow:
        found = await uow.payments.for_order(tenant, order)
        none = await uow.payments.for_order(tenant, f"ord_missing_{unique}")

    assert [p.id for p in found] == [f"pay_{unique}_{n}" for n in "321"]
    assert none == []


async def test_events_are_published_after_commit_only(
    uow_factory, unique, publisher: RecordingEventPublisher
):
    payment = Payment.create(
        id=f"pay_{unique}", tenant_id=f"ten_{unique}", order_id="ord_1",
        amount=Money(5_000, "USD"), capture_method=CaptureMethod.AUTOMATIC, now=T0,
        gateway="fake",
    )  # fmt: skip
    async with uow_factory() as uow:
        await uow.payments.add(payment)
        assert publisher.events == []
        await uow.commit()
    assert publisher.types() == ["PaymentCreated"]
    assert isinstance(publisher.events[0], PaymentCreated) and payment.events == []

    publisher.clear()
    async with uow_factory() as uow:
        loaded = await uow.payments.get(payment.tenant_id, payment.id)
        assert loaded is not None
        authorize(loaded, f"pi_{unique}")
        await uow.payments.save(loaded)
        await uow.rollback()
    assert publisher.events == []

    async with uow_factory() as uow:
        loaded = await uow.payments.get(payment.tenant_id, payment.id)
        assert loaded is not None
        authorize(loaded, f"pi_{unique}")
        capture(loaded)
        await uow.payments.save(loaded)
        await uow.commit()
    assert [type(e) for e in publisher.events] == [PaymentAuthorized, PaymentCaptured]
