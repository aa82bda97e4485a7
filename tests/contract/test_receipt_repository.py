"""The receipt repository contract, the same for every store: receipts and their
gapless per-tenant counters."""

from __future__ import annotations

import json

import pytest

from application.errors import StaleAggregateError
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.merchant_event import MerchantEvent
from domain.receipt import Receipt, ReceiptLine, receipt_number
from tests.contract.builders import T0, state


def receipt(tenant_id: str, payment_id: str, number: str, copy: str = "") -> Receipt:
    return Receipt(
        id=f"rcpt_{payment_id}{copy}", tenant_id=tenant_id, payment_id=payment_id,
        number=number, merchant_name="Acme", currency="eur",
        lines=[ReceiptLine("Order 1", 1, 1_130)], total=1_130, issued_at=T0,
        customer_email="ada@example.com", card_brand="visa", card_last4="4242",
    )  # fmt: skip


async def issue(
    uow_factory: UnitOfWorkFactory, tenant_id: str, payment_id: str, year: int = 2026
) -> str | None:
    """What the issuing handler does: take a number, then store the receipt with it. The
    number as stored; None when the payment had its receipt (which a store that sends its
    writes together tells at commit)."""
    try:
        async with uow_factory() as uow:
            number = await uow.receipts.next_number(tenant_id, year, payment_id)
            if number is None:
                return None
            await uow.receipts.add(receipt(tenant_id, payment_id, number))
            await uow.commit()
    except StaleAggregateError:
        return None
    async with uow_factory() as uow:
        stored = await uow.receipts.for_payment(tenant_id, payment_id)
    assert stored is not None
    return stored.number


def numbers(*sequences: int, year: int = 2026) -> list[str]:
    return [receipt_number(year, sequence) for sequence in sequences]


async def test_a_receipt_round_trips_and_is_found_by_its_payment(uow_factory, unique):
    tenant = f"ten_{unique}"
    assert await issue(uow_factory, tenant, f"pay_{unique}") == receipt_number(2026, 1)

    async with uow_factory() as uow:
        found = await uow.receipts.for_payment(tenant, f"pay_{unique}")
        by_id = await uow.receipts.get(f"rcpt_pay_{unique}")
        other_tenant = await uow.receipts.for_payment(f"ten_other_{unique}", f"pay_{unique}")

    expected = receipt(tenant, f"pay_{unique}", receipt_number(2026, 1))
    assert state(found) == state(by_id) == state(expected)
    assert other_tenant is None


async def test_numbers_count_per_tenant_and_year_without_gaps(uow_factory, unique):
    tenant = f"ten_{unique}"
    taken = [await issue(uow_factory, tenant, f"pay_{unique}_{i}") for i in range(3)]
    async with uow_factory() as uow:  # taken and given back: no gap follows
        number = await uow.receipts.next_number(tenant, 2026, f"pay_{unique}_x")
        assert number is not None
        await uow.receipts.add(receipt(tenant, f"pay_{unique}_x", number))
        await uow.rollback()

    assert taken == numbers(1, 2, 3)
    assert await issue(uow_factory, tenant, f"pay_{unique}_3") == receipt_number(2026, 4)
    assert await issue(uow_factory, f"ten_other_{unique}", f"pay_{unique}_o") == numbers(1)[0]
    assert await issue(uow_factory, tenant, f"pay_{unique}_y", 2027) == numbers(1, year=2027)[0]


async def test_a_paid_payment_takes_no_second_number(uow_factory, unique):
    tenant = f"ten_{unique}"
    await issue(uow_factory, tenant, f"pay_{unique}")

    assert await issue(uow_factory, tenant, f"pay_{unique}") is None
    assert await issue(uow_factory, tenant, f"pay_{unique}_next") == receipt_number(2026, 2)


async def test_a_second_receipt_for_a_payment_is_refused(uow_factory, unique):
    tenant = f"ten_{unique}"
    await issue(uow_factory, tenant, f"pay_{unique}")

    with pytest.raises(StaleAggregateError):  # by add() or at commit
        async with uow_factory() as uow:
            await uow.receipts.add(
                receipt(tenant, f"pay_{unique}", receipt_number(2026, 9), copy="_again")
            )
            await uow.commit()

    async with uow_factory() as uow:
        kept = await uow.receipts.for_payment(tenant, f"pay_{unique}")
    assert kept is not None and kept.number == receipt_number(2026, 1)


async def test_the_number_is_written_wherever_the_unit_of_work_writes_it(uow_factory, unique):
    """A store may take the number only when it sends its writes (PostgreSQL): its
    stand-in is then written as the number in whatever the same unit of work writes,
    here a merchant event's body, as the receipt's event carries it."""
    tenant = f"ten_{unique}"
    await issue(uow_factory, tenant, f"pay_{unique}_0")
    async with uow_factory() as uow:
        number = await uow.receipts.next_number(tenant, 2026, f"pay_{unique}")
        assert number is not None
        await uow.receipts.add(receipt(tenant, f"pay_{unique}", number))
        body = json.dumps({"object": {"number": number}, "text": f"Receipt {number}."})
        event = MerchantEvent(f"evt_{unique}", tenant, "receipt.issued", T0, body)
        await uow.merchant_events.add_many([event])
        await uow.commit()

    async with uow_factory() as uow:
        stored = await uow.merchant_events.get(tenant, f"evt_{unique}")
    second = receipt_number(2026, 2)
    assert stored is not None
    assert json.loads(stored.body) == {"object": {"number": second}, "text": f"Receipt {second}."}


async def test_receipts_of_several_payments_in_one_unit_of_work(uow_factory, unique):
    """As the webhook consumer's batches take them: consecutive numbers, each written
    where it belongs, also when a store takes them one statement at a time."""
    tenant, other = f"ten_{unique}", f"ten_{unique}_b"
    payments = [
        (tenant, f"pay_{unique}_1"),
        (other, f"pay_{unique}_2"),
        (tenant, f"pay_{unique}_3"),
    ]
    async with uow_factory() as uow:
        taken = []
        for owner, payment_id in payments:
            number = await uow.receipts.next_number(owner, 2026, payment_id)
            assert number is not None
            await uow.receipts.add(receipt(owner, payment_id, number))
            taken.append(number)
        bodies = [json.dumps({"number": number}) for number in taken]
        events = [
            MerchantEvent(f"evt_{unique}_{i}", owner, "receipt.issued", T0, body)
            for i, ((owner, _), body) in enumerate(zip(payments, bodies, strict=True))
        ]
        await uow.merchant_events.add_many(events)
        await uow.commit()

    async with uow_factory() as uow:
        stored = [await uow.receipts.for_payment(owner, pid) for owner, pid in payments]
        sent = [await uow.merchant_events.get(None, event.id) for event in events]
    expected = [receipt_number(2026, 1), receipt_number(2026, 1), receipt_number(2026, 2)]
    assert [r.number if r else None for r in stored] == expected
    assert [json.loads(e.body)["number"] if e else None for e in sent] == expected
