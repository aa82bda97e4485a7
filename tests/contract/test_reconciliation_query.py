"""Which payments the reconciliation job looks at, the same for every store.

The query spans every tenant, so on PostgreSQL this module has a database of its own,
emptied before each test, instead of the session's shared one.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from adapters.persistence.sql.tables import payments, refunds
from application.ports.repositories import DriftCutoffs
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.capture_method import CaptureMethod
from domain.money import Money
from domain.payment import Payment
from domain.statuses import PaymentStatus
from tests.contract.builders import (
    T0,
    adder,
    at,
    authorize,
    capture,
    new_payment,
    with_refunds_in_every_state,
)
from tests.support.stores import empty_tables, fresh_postgres

STUCK_BEFORE = at(1_000)
AUTHORIZED_BEFORE = at(500)


@pytest.fixture(scope="module")
def reconciliation_database() -> Iterator[str]:
    with fresh_postgres() as url:
        yield url


@pytest.fixture
def postgres_url(reconciliation_database: str) -> str:
    """Overrides the session's database for this module, empty for every test."""
    empty_tables(reconciliation_database, refunds, payments)
    return reconciliation_database


def in_status(
    pid: str,
    status: PaymentStatus,
    *,
    created: datetime = T0,
    updated: datetime | None = None,
    outcome_unknown: bool = False,
    tenant_id: str = "ten_a",
) -> Payment:
    return Payment(
        id=pid, tenant_id=tenant_id, order_id=f"ord_{pid}", amount=Money(5_000, "USD"),
        capture_method=CaptureMethod.MANUAL, created_at=created,
        updated_at=updated if updated is not None else created, status=status,
        outcome_unknown=outcome_unknown, gateway_payment_id=f"pi_{pid}", gateway="fake",
    )  # fmt: skip


def captured(pid: str, *, with_pending_refund: bool, tenant_id: str = "ten_a") -> Payment:
    payment = new_payment(pid, tenant_id)
    authorize(payment, f"pi_{pid}")
    capture(payment)
    if with_pending_refund:
        with_refunds_in_every_state(payment, pid)
    else:  # refunds that are over: one succeeded, one failed
        window = timedelta(days=90)
        done = payment.request_refund(
            refund_id=f"re_{pid}_1", amount=100, reason=None, now=T0, window=window
        )
        payment.complete_refund(done.id, f"gre_{pid}_1", at(1))
        failed = payment.request_refund(
            refund_id=f"re_{pid}_2", amount=100, reason=None, now=T0, window=window
        )
        payment.fail_refund(failed.id, "lost", at(2))
    return payment


add = adder(lambda uow: uow.payments)


async def drifting(
    uow_factory: UnitOfWorkFactory, limit: int = 100, after_id: str | None = None
) -> list[str]:
    async with uow_factory() as uow:
        found = await uow.payments.needing_reconciliation(
            DriftCutoffs(STUCK_BEFORE, AUTHORIZED_BEFORE), limit, after_id
        )
    return [payment.id for payment in found]


@pytest.fixture
async def one_of_each(uow_factory: UnitOfWorkFactory) -> list[str]:
    """A payment for every reason to look (ids in order) and for every reason not to."""
    P = PaymentStatus
    await add(
        uow_factory,
        # to look at
        in_status("pay_01_unknown", P.PROCESSING, updated=at(2_000), outcome_unknown=True),
        in_status("pay_02_unknown_other_tenant", P.REQUIRES_CONFIRMATION, tenant_id="ten_b",
                  outcome_unknown=True),
        in_status("pay_03_stuck_processing", P.PROCESSING, updated=at(999)),
        in_status("pay_04_stuck_action", P.REQUIRES_ACTION, updated=at(999)),
        in_status("pay_05_old_authorization", P.REQUIRES_CAPTURE, created=at(499),
                  updated=at(2_000)),
        captured("pay_06_pending_refund", with_pending_refund=True, tenant_id="ten_c"),
        # to leave alone
        in_status("pay_11_processing_just_now", P.PROCESSING, updated=STUCK_BEFORE),
        in_status("pay_12_action_just_now", P.REQUIRES_ACTION, created=at(0),
                  updated=at(1_500)),
        in_status("pay_13_fresh_authorization", P.REQUIRES_CAPTURE, created=AUTHORIZED_BEFORE),
        in_status("pay_14_old_open_intent", P.REQUIRES_PAYMENT_METHOD, created=at(0)),
        in_status("pay_15_old_confirmation", P.REQUIRES_CONFIRMATION, created=at(0)),
        in_status("pay_16_old_success", P.SUCCEEDED, created=at(0)),
        in_status("pay_17_old_failure", P.FAILED, created=at(0)),
        in_status("pay_18_old_cancel", P.CANCELED, created=at(0)),
        captured("pay_19_refunds_over", with_pending_refund=False),
    )  # fmt: skip
    return [
        "pay_01_unknown", "pay_02_unknown_other_tenant", "pay_03_stuck_processing",
        "pay_04_stuck_action", "pay_05_old_authorization", "pay_06_pending_refund",
    ]  # fmt: skip


async def test_every_reason_to_look_is_found_across_tenants_by_id(uow_factory, one_of_each):
    assert await drifting(uow_factory) == one_of_each


async def test_the_job_pages_through_them_by_id(uow_factory, one_of_each):
    pages: list[list[str]] = []
    after: str | None = None
    while batch := await drifting(uow_factory, limit=4, after_id=after):
        pages.append(batch)
        after = batch[-1]

    assert pages == [one_of_each[:4], one_of_each[4:]]
    assert await drifting(uow_factory, limit=2, after_id="pay_03") == one_of_each[2:4]
    assert await drifting(uow_factory, after_id=one_of_each[-1]) == []


async def test_a_payment_drops_out_once_settled(uow_factory, one_of_each):
    async with uow_factory() as uow:
        refunded = await uow.payments.get("ten_c", "pay_06_pending_refund")
        unknown = await uow.payments.get("ten_a", "pay_01_unknown")
        assert refunded is not None and unknown is not None
        refunded.fail_refund("re_pay_06_pending_refund_3", "lost", at(3_000))
        unknown.record_cancellation("abandoned", at(3_000))
        await uow.payments.save(refunded)
        await uow.payments.save(unknown)
        await uow.commit()

    assert await drifting(uow_factory) == one_of_each[1:5]


async def test_nothing_to_look_at_is_an_empty_batch(uow_factory):
    await add(uow_factory, in_status("pay_1", PaymentStatus.SUCCEEDED))

    assert await drifting(uow_factory) == []
