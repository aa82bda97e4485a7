"""The fake gateway's undelivered events (`EventOutbox`), one contract for both of its
states, the books in memory and in the database: oldest first, none overtaking one whose
retry is not due, a delivered one never again."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from adapters.gateways.fake import MemoryFakeGatewayState
from adapters.gateways.fake_sql import SqlFakeGatewayState, fake_gateway_engine
from adapters.gateways.fake_sql import metadata as fake_gateway_tables
from adapters.gateways.fake_state import FakeLedger
from tests.support.databases import copy_sqlite

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)
State = MemoryFakeGatewayState | SqlFakeGatewayState


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def state(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[State]:
    if request.param == "memory":
        yield MemoryFakeGatewayState()
        return
    if request.param == "sqlite":
        url = copy_sqlite(request.getfixturevalue("sqlite_template"), tmp_path)
    else:
        url = str(request.getfixturevalue("postgres_url"))
    engine = fake_gateway_engine(url)
    if engine.dialect.name == "postgresql":  # the session's database: empty its books
        async with engine.begin() as conn:
            names = ", ".join(t.name for t in fake_gateway_tables.sorted_tables)
            await conn.execute(text(f"TRUNCATE {names}"))
    try:
        yield SqlFakeGatewayState(engine, lambda: NOW)
    finally:
        await engine.dispose()


async def emit(state: State, *names: str) -> None:
    def append(ledger: FakeLedger) -> None:
        for name in names:
            ledger.append_event({"id": name, "object": "event", "type": "payment_intent.created"})

    await state.run(append, write=True)


async def due_ids(state: State, now: datetime = NOW, limit: int = 10) -> list[str]:
    return [json.loads(payload)["id"] for _, payload, _ in await state.due_events(now, limit)]


async def test_events_come_oldest_first_up_to_the_limit(state: State) -> None:
    await emit(state, "evt_1", "evt_2", "evt_3")
    assert await due_ids(state, limit=2) == ["evt_1", "evt_2"]


async def test_one_waiting_for_its_retry_holds_back_the_later_ones(state: State) -> None:
    await emit(state, "evt_1", "evt_2", "evt_3")
    [(first, _, _), (second, _, _), *_] = await state.due_events(NOW, 10)
    await state.mark_delivered(second, NOW)
    await state.retry_later(first, NOW + timedelta(seconds=5), "Kassa is down")

    assert await due_ids(state) == []  # the first is not due, and nothing overtakes it
    [(_, _, attempts), *_] = await state.due_events(NOW + timedelta(seconds=6), 10)
    assert attempts == 1
    assert await due_ids(state, NOW + timedelta(seconds=6)) == ["evt_1", "evt_3"]


async def test_a_delivered_event_is_never_due_again_and_new_ones_follow(state: State) -> None:
    await emit(state, "evt_1", "evt_2", "evt_3")
    for seq, _, _ in reversed(await state.due_events(NOW, 10)):  # out of order, too
        await state.mark_delivered(seq, NOW)
    assert await due_ids(state) == []

    await emit(state, "evt_4")
    assert await due_ids(state) == ["evt_4"]
