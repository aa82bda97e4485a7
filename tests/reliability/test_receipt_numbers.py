"""Receipt numbers are gapless per tenant and year on PostgreSQL, under concurrency:
concurrent successes over a real HTTP server, and counters taken by separate engines
(as separate processes would) with a rollback among them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from adapters.persistence.sql.engine import create_engine
from adapters.persistence.sql.migrate import upgrade
from adapters.persistence.sql.unit_of_work import SqlUnitOfWork
from domain.receipt import receipt_number
from tests.contract.test_receipt_repository import receipt
from tests.reliability.test_money_safety import TENANT, Kassa, kassa_over_http
from tests.support.databases import postgres_database
from tests.support.publishers import RecordingEventPublisher

pytestmark = pytest.mark.postgres


@pytest.fixture
async def kassa() -> AsyncIterator[Kassa]:
    async for running in kassa_over_http():
        yield running


async def test_five_concurrent_successes_get_five_consecutive_numbers(kassa: Kassa):
    charged = await asyncio.gather(*(kassa.charge(1_000 + i, f"ord_{i}") for i in range(5)))

    receipts = [
        (await kassa.http.get(f"/payments/{payment['id']}/receipt")).json() for payment in charged
    ]

    year = receipts[0]["issued_at"][:4]
    assert sorted(r["number"] for r in receipts) == [f"R-{year}-{n:06d}" for n in range(1, 6)]
    assert sorted(r["total"]["amount"] for r in receipts) == [1_000 + i for i in range(5)]


async def test_counters_taken_by_several_engines_leave_no_gap_when_one_rolls_back():
    async with postgres_database() as url:
        await upgrade(url)
        engines = [create_engine(url) for _ in range(4)]
        started = asyncio.Event()

        async def issue(at: int, payment_id: str, *, keep: bool, year: int = 2026) -> None:
            uow = SqlUnitOfWork(engines[at], RecordingEventPublisher())
            async with uow:
                await started.wait()
                number = await uow.receipts.next_number(TENANT, year, payment_id)
                assert number is not None
                await uow.receipts.add(receipt(TENANT, payment_id, number))
                await asyncio.sleep(0.05)  # the others are at the same point meanwhile
                if keep:
                    await uow.commit()

        async def number_of(payment_id: str) -> str:
            async with SqlUnitOfWork(engines[0], RecordingEventPublisher()) as uow:
                found = await uow.receipts.for_payment(TENANT, payment_id)
            assert found is not None
            return found.number

        try:
            paid = [f"pay_{i}" for i in range(8)]
            tasks = [asyncio.create_task(issue(i % 4, paid[i], keep=i != 3)) for i in range(8)]
            started.set()
            await asyncio.gather(*tasks)
            kept = [await number_of(p) for p in paid if p != "pay_3"]
            await issue(0, "pay_next", keep=True)
            await issue(1, "pay_next_year", keep=True, year=2027)
            following = await number_of("pay_next")
            other_year = await number_of("pay_next_year")
        finally:
            for engine in engines:
                await engine.dispose()

    # Seven kept, one given back: 1 to 7, and the next number is the eighth.
    assert sorted(kept) == [receipt_number(2026, n) for n in range(1, 8)]
    assert following == receipt_number(2026, 8)
    assert other_year == receipt_number(2027, 1)
