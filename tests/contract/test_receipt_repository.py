"""The receipt repository contract, the same for every store: receipts and their
gapless per-tenant counters."""

from __future__ import annotations

import pytest

from application.errors import StaleAggregateError
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.receipt import Receipt, ReceiptLine, receipt_number
from tests.contract.builders import T0, state


def receipt(tenant_id: str, payment_id: str, sequence: int) -> Receipt:
    return Receipt(
        id=f"rcpt_{payment_id}_{sequence}", tenant_id=tenant_id, payment_id=payment_id,
        number=receipt_number(2026, sequence), merchant_name="Acme", currency="eur",
        lines=[ReceiptLine("Order 1", 1, 1_130)], total=1_130, issued_at=T0,
        customer_email="ada@example.com", card_brand="visa", card_last4="4242",
    )  # fmt: skip


async def issue(uow_factory: UnitOfWorkFactory, tenant_id: str, payment_id: str) -> int | None:
    """What the issuing handler does: take a number, then store the receipt with it."""
    async with uow_factory() as uow:
        sequence = await uow.receipts.next_sequence(tenant_id, 2026, payment_id)
        if sequence is not None:
            await uow.receipts.add(receipt(tenant_id, payment_id, sequence))
        await uow.commit()
    return sequence


async def test_a_receipt_round_trips_and_is_found_by_its_payment(uow_factory, unique):
    tenant = f"ten_{unique}"
    assert await issue(uow_factory, tenant, f"pay_{unique}") == 1

    async with uow_factory() as uow:
        found = await uow.receipts.for_payment(tenant, f"pay_{unique}")
        by_id = await uow.receipts.get(f"rcpt_pay_{unique}_1")
        other_tenant = await uow.receipts.for_payment(f"ten_other_{unique}", f"pay_{unique}")

    assert state(found) == state(by_id) == state(receipt(tenant, f"pay_{unique}", 1))
    assert other_tenant is None


async def test_numbers_count_per_tenant_and_year_without_gaps(uow_factory, unique):
    tenant = f"ten_{unique}"
    taken = [await issue(uow_factory, tenant, f"pay_{unique}_{i}") for i in range(3)]
    async with uow_factory() as uow:  # taken and given back: no gap follows
        assert await uow.receipts.next_sequence(tenant, 2026, f"pay_{unique}_x") == 4
        await uow.rollback()

    assert taken == [1, 2, 3]
    assert await issue(uow_factory, tenant, f"pay_{unique}_3") == 4
    assert await issue(uow_factory, f"ten_other_{unique}", f"pay_{unique}_o") == 1
    async with uow_factory() as uow:
        assert await uow.receipts.next_sequence(tenant, 2027, f"pay_{unique}_y") == 1


async def test_a_paid_payment_takes_no_second_number(uow_factory, unique):
    tenant = f"ten_{unique}"
    await issue(uow_factory, tenant, f"pay_{unique}")

    assert await issue(uow_factory, tenant, f"pay_{unique}") is None
    assert await issue(uow_factory, tenant, f"pay_{unique}_next") == 2


async def test_a_second_receipt_for_a_payment_is_refused(uow_factory, unique):
    tenant = f"ten_{unique}"
    await issue(uow_factory, tenant, f"pay_{unique}")

    with pytest.raises(StaleAggregateError):  # by add() or at commit
        async with uow_factory() as uow:
            await uow.receipts.add(receipt(tenant, f"pay_{unique}", 9))
            await uow.commit()

    async with uow_factory() as uow:
        kept = await uow.receipts.for_payment(tenant, f"pay_{unique}")
    assert kept is not None and kept.number == receipt_number(2026, 1)
