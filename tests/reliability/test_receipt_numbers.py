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

        async def take(engine_index: int, keep: bool) -> int:
            uow = SqlUnitOfWork(engines[engine_index], RecordingEventPublisher())
            async with uow:
                await started.wait()
                sequence = await uow.receipts.next_sequence(TENANT, 2026, f"pay_{engine_index}")
                assert sequence is not None
                await asyncio.sleep(0.05)  # hold the counter while the others wait
                if keep:
                    await uow.commit()
                return sequence

        try:
            tasks = [asyncio.create_task(take(i % 4, keep=i != 3)) for i in range(8)]
            started.set()
            await asyncio.gather(*tasks)
            uow = SqlUnitOfWork(engines[0], RecordingEventPublisher())
            async with uow:
                following = await uow.receipts.next_sequence(TENANT, 2026, "pay_next")
                other_year = await uow.receipts.next_sequence(TENANT, 2027, "pay_next")
        finally:
            for engine in engines:
                await engine.dispose()

    # Seven kept, one given back: the next number is the eighth, with no hole before it.
    assert following == 8
    assert other_year == 1
