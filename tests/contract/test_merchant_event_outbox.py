"""The merchant event outbox on memory, SQLite and PostgreSQL: written with the change in
one statement (≤ 1 round trip more), rolled back with it, fanned out once."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from sqlalchemy import event

from adapters.persistence.memory.store import InMemoryStore
from adapters.persistence.memory.unit_of_work import InMemoryUnitOfWork
from adapters.persistence.sql.engine import create_engine
from adapters.persistence.sql.unit_of_work import SqlUnitOfWork
from adapters.system.ids import UlidIdFactory
from application.events.outbox import RecordMerchantEvents
from application.ports.repositories import PageRequest
from entrypoints.http.events.resources import ApiResourceRenderer
from tests.contract.builders import T0, authorize, new_payment
from tests.support.publishers import RecordingEventPublisher


def _handler() -> RecordMerchantEvents:
    return RecordMerchantEvents(ApiResourceRenderer(), UlidIdFactory())


@pytest.fixture
def factories(database_url: str | None) -> Any:
    """(plain, with the outbox writer, engine) unit-of-work factories over one store."""
    publisher = RecordingEventPublisher()
    if database_url is None:
        store = InMemoryStore.with_seed_data()
        handler = _handler()
        return (
            lambda: InMemoryUnitOfWork(store, publisher),
            lambda: InMemoryUnitOfWork(store, publisher, [handler]),
            None,
        )
    engine = create_engine(database_url)
    handler = _handler()
    return (
        lambda: SqlUnitOfWork(engine, publisher),
        lambda: SqlUnitOfWork(engine, publisher, [handler]),
        engine,
    )


async def _authorize_new(uow_factory: Any, pid: str, tenant: str) -> None:
    payment = new_payment(pid, tenant)
    async with uow_factory() as uow:
        await uow.payments.add(payment)
        await uow.commit()
    async with uow_factory() as uow:
        stored = await uow.payments.get(tenant, pid)
        authorize(stored, f"pi_{pid}")
        await uow.payments.save(stored)
        await uow.commit()


# Round trips are a SQL matter: the memory store has none to count.
@pytest.mark.parametrize(
    "store_kind", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
async def test_the_outbox_adds_at_most_one_round_trip_to_a_change(factories, unique) -> None:
    plain, with_outbox, engine = factories
    assert engine is not None
    counted: Counter[str] = Counter()

    def count(*_: Any) -> None:
        counted["statements"] += 1

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        await _authorize_new(plain, f"pay_a{unique}", f"ten_{unique}")
        without = counted["statements"]
        counted.clear()
        await _authorize_new(with_outbox, f"pay_b{unique}", f"ten_{unique}")
        with_events = counted["statements"]
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)
        await engine.dispose()
    # Two changes (create, authorize), each raising events: one INSERT each, no more.
    assert with_events - without <= 2


async def test_events_commit_with_the_change_and_roll_back_with_it(factories, unique) -> None:
    _, with_outbox, engine = factories
    tenant = f"ten_{unique}"
    payment = new_payment(f"pay_r{unique}", tenant)
    authorize(payment, f"pi_r{unique}")
    async with with_outbox() as uow:
        await uow.payments.add(payment)
        # no commit: the payment and its events are gone together
    payment = new_payment(f"pay_c{unique}", tenant)
    authorize(payment, f"pi_c{unique}")
    async with with_outbox() as uow:
        await uow.payments.add(payment)
        await uow.commit()
    async with with_outbox() as uow:
        page = await uow.merchant_events.list(tenant, None, T0, PageRequest(limit=100))
        claimed = await uow.merchant_events.claim_undispatched(T0, 1000)
        await uow.commit()
    assert {e.type for e in page.data} == {"payment.authorized"}
    assert all(f"pay_c{unique}" in e.body for e in page.data)
    assert {e.id for e in page.data} <= {e.id for e in claimed}
    async with with_outbox() as uow:
        again = await uow.merchant_events.claim_undispatched(T0, 1000)
        await uow.commit()
    assert not {e.id for e in page.data} & {e.id for e in again}
    if engine is not None:
        await engine.dispose()
