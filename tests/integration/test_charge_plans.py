"""The charge's reads on PostgreSQL, counted rather than timed: what a charge reads of
`payments` does not grow with the tenant's payments.

Before migration 0012 the duplicate-order check (`tenant_id = … AND order_id = …`) was
planned, on a table nothing had analyzed yet, through an index on `tenant_id` alone, and
went on being planned so as the table grew: each charge read every payment of its
tenant, and PostgreSQL's CPU per charge grew with the table (issue 13).
"""

from __future__ import annotations

import asyncio
import dataclasses

import msgspec
import pytest
from sqlalchemy import TextClause, text
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.persistence.sql.engine import create_engine
from entrypoints.container import build_container
from entrypoints.http.app import create_app
from tests.perf.kassa import prepare_kassa
from tests.perf.payments_bench import kassa_charge
from tests.perf.round_trips import count_round_trips
from tests.support.databases import postgres_database

pytestmark = pytest.mark.postgres

CHARGES = 300
# Index entries a charge may read of `payments`: its own row by id, the order's rows.
READ_PER_CHARGE = 4

_READ = text(
    "SELECT (SELECT coalesce(sum(idx_tup_read), 0) FROM pg_stat_user_indexes"
    " WHERE relname = 'payments') + (SELECT coalesce(sum(seq_tup_read), 0)"
    " FROM pg_stat_user_tables WHERE relname = 'payments')"
)


async def test_what_a_charge_reads_of_payments_does_not_grow_with_the_tenant() -> None:
    async with postgres_database() as url:
        found = await prepare_kassa(url)
        setup = dataclasses.replace(
            found, settings=msgspec.structs.replace(found.settings, fake_gateway_state="memory")
        )
        container = build_container(setup.settings)
        engine = create_engine(url)  # the app's engine runs on the test client's loop
        try:
            async with engine.begin() as conn:  # no ANALYZE behind the test's back
                await conn.execute(text("ALTER TABLE payments SET (autovacuum_enabled = off)"))
            await count_round_trips(
                create_app(container), container.engine(),
                {"charge": kassa_charge(setup, "reads", idempotent=True)},
                warmup=0, samples=CHARGES,
            )  # fmt: skip
            await container.engine().dispose()  # a backend's statistics are sent as it ends
            read = await _settled(engine, _READ)
        finally:
            await engine.dispose()
    assert read / CHARGES <= READ_PER_CHARGE, f"{read / CHARGES:.1f} rows read per charge"


async def _settled(engine: AsyncEngine, query: TextClause) -> int:
    """The statistic once the ended backends have reported it (it stops changing)."""
    last = -1
    for _ in range(50):
        async with engine.connect() as conn:
            await conn.execute(text("SELECT pg_stat_clear_snapshot()"))
            now = int(await conn.scalar(query) or 0)
        if now == last:
            return now
        last = now
        await asyncio.sleep(0.2)
    return last
