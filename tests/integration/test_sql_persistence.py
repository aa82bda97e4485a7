"""What only the SQL stores show: UTC storage, constraints, connection use, real races."""

from __future__ import annotations

import asyncio
import gc
import warnings
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import Dialect, String, TypeDecorator, insert, select, text, type_coerce
from sqlalchemy.exc import DBAPIError, IntegrityError, StatementError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.util import greenlet_spawn

from adapters.persistence.sql import driver
from adapters.persistence.sql.engine import create_engine, fill_pool
from adapters.persistence.sql.tables import payments
from adapters.persistence.sql.unit_of_work import SqlUnitOfWork
from adapters.persistence.sql.webhook_queue import SqlWebhookQueue
from application.errors import StaleAggregateError
from domain.gateway_events import EventKind
from domain.invoice import Invoice, InvoiceLine
from domain.webhook_event import WebhookEvent
from tests.contract.builders import (
    T0,
    authorize,
    capture,
    new_payment,
    state,
    with_refunds_in_every_state,
)
from tests.support.publishers import RecordingEventPublisher


@pytest.fixture
def uow(engine: AsyncEngine, publisher: RecordingEventPublisher):
    return lambda: SqlUnitOfWork(engine, publisher)


async def test_instants_are_stored_in_utc_whatever_their_offset(uow, engine, unique):
    tokyo = timezone(timedelta(hours=9))
    early = new_payment(f"pay_{unique}_a", f"ten_{unique}", created=T0.astimezone(tokyo))
    late = new_payment(f"pay_{unique}_b", f"ten_{unique}", created=T0 + timedelta(seconds=1))
    async with uow() as work:
        await work.payments.add(late)
        await work.payments.add(early)
        await work.commit()

    async with engine.connect() as conn:
        stored = await conn.scalar(select(payments.c.created_at).where(payments.c.id == early.id))
        order = (
            (
                await conn.execute(
                    select(payments.c.id)
                    .where(payments.c.tenant_id == f"ten_{unique}")
                    .order_by(payments.c.created_at)
                )
            )
            .scalars()
            .all()
        )
    assert stored == T0 and stored.tzinfo is UTC
    assert order == [early.id, late.id]


async def test_a_naive_datetime_is_refused(engine, unique):
    row = {"id": f"pay_{unique}", "created_at": datetime(2026, 1, 1)}
    async with engine.connect() as conn:
        with pytest.raises(StatementError, match="naive datetime"):
            await conn.execute(insert(payments).values(row))


async def test_derived_refund_columns_are_kept_for_queries(uow, engine, unique):
    payment = new_payment(f"pay_{unique}", f"ten_{unique}")
    authorize(payment, f"pi_{unique}")
    capture(payment)
    with_refunds_in_every_state(payment, unique)
    async with uow() as work:
        await work.payments.add(payment)
        await work.commit()

    async with engine.connect() as conn:
        row = (
            await conn.execute(
                select(payments.c.refund_status, payments.c.amount_refunded).where(
                    payments.c.id == payment.id
                )
            )
        ).one()
    assert tuple(row) == ("partial", 1_000)


async def test_a_gateway_refund_id_belongs_to_one_refund_only(uow, unique):
    first = new_payment(f"pay_{unique}_1", f"ten_{unique}")
    authorize(first, f"pi_{unique}_1")
    capture(first)
    with_refunds_in_every_state(first, unique)
    second = new_payment(f"pay_{unique}_2", f"ten_{unique}")
    authorize(second, f"pi_{unique}_2")
    capture(second)
    with_refunds_in_every_state(second, f"{unique}x")  # null gateway ids may repeat
    async with uow() as work:
        await work.payments.add(first)
        await work.payments.add(second)
        await work.commit()

    clash = new_payment(f"pay_{unique}_3", f"ten_{unique}")
    authorize(clash, f"pi_{unique}_3")
    capture(clash)
    clash.request_refund(
        refund_id=f"re_{unique}_9", amount=100, reason=None, now=T0, window=timedelta(days=90)
    )
    clash.refunds[0].gateway_refund_id = f"gre_{unique}_1"
    with pytest.raises(IntegrityError):  # by add() or at commit
        async with uow() as work:
            await work.payments.add(clash)
            await work.commit()


async def test_an_idle_unit_of_work_holds_no_connection(uow, unique):
    async with uow() as idle:
        async with uow() as busy:  # would wait forever on SQLite's single connection
            await busy.payments.add(new_payment(f"pay_{unique}", f"ten_{unique}"))
            await busy.commit()
        assert await idle.payments.get(f"ten_{unique}", f"pay_{unique}") is not None


async def test_overlapping_saves_of_one_payment_let_only_the_first_win(uow, unique):
    payment = new_payment(f"pay_{unique}", f"ten_{unique}")
    async with uow() as work:
        await work.payments.add(payment)
        await work.commit()
    async with uow() as work:
        mine = await work.payments.get(payment.tenant_id, payment.id)
        theirs = await work.payments.get(payment.tenant_id, payment.id)
    assert mine is not None and theirs is not None
    authorize(mine, f"pi_{unique}")
    theirs.record_cancellation("abandoned", T0)

    first_saved = asyncio.Event()

    async def rival() -> None:
        await first_saved.wait()
        async with uow() as work:  # blocks on the row lock (or SQLite's one connection)
            await work.payments.save(theirs)
            await work.commit()

    async with uow() as work:
        await work.payments.save(mine)
        # A store may hold a write back until it sends the next statement: this locking
        # read sends it, and the row stays held until the commit.
        await work.payments.get(payment.tenant_id, payment.id, for_update=True)
        first_saved.set()
        racing = asyncio.create_task(rival())
        await asyncio.sleep(0.05)
        await work.commit()
    with pytest.raises(StaleAggregateError):
        await racing

    async with uow() as work:
        stored = await work.payments.get(payment.tenant_id, payment.id)
    assert stored is not None
    assert (stored.status.value, stored.version) == ("requires_capture", 1)


async def _terminate(postgres_url: str, backend: int) -> None:
    admin = create_engine(postgres_url, pool_size=1)
    try:
        async with admin.connect() as conn:
            ended = text("SELECT pg_terminate_backend(:pid, 5000)")
            assert await conn.scalar(ended, {"pid": backend})
    finally:
        await admin.dispose()


@pytest.mark.postgres
@pytest.mark.parametrize("read_first", [False, True], ids=["alone", "after-a-read"])
async def test_a_write_on_a_connection_the_server_closed_fails_once_then_the_next_goes_through(
    postgres_url: str, publisher: RecordingEventPublisher, unique: str, read_first: bool
):
    """A unit of work's writes go to the driver directly in autocommit, on a connection
    lent for the statement alone or on the one its reads used; a connection the server
    closed is still SQLAlchemy's error, and it is replaced rather than kept."""
    engine = create_engine(postgres_url, pool_size=1)
    try:
        async with engine.connect() as conn:
            backend = await conn.scalar(text("SELECT pg_backend_pid()"))
        first = new_payment(f"pay_{unique}_a", f"ten_{unique}")
        if not read_first:
            await _terminate(postgres_url, backend)
        with pytest.raises(DBAPIError):
            async with SqlUnitOfWork(engine, publisher) as work:
                if read_first:  # the read checks the connection out, in autocommit
                    assert await work.payments.get(first.tenant_id, first.id) is None
                    await _terminate(postgres_url, backend)
                await work.payments.add(first)
                await work.commit()
        second = new_payment(f"pay_{unique}_b", f"ten_{unique}")
        async with SqlUnitOfWork(engine, publisher) as work:
            await work.payments.add(second)
            await work.commit()
        async with SqlUnitOfWork(engine, publisher) as work:
            assert await work.payments.get(second.tenant_id, second.id) is not None
            assert await work.payments.get(first.tenant_id, first.id) is None
    finally:
        await engine.dispose()


@pytest.fixture
def greenlet_hops(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """The calls a lone statement's check-out and check-in run in a greenlet."""
    hops: list[object] = []

    async def counted(fn: Any, *args: Any, **kwargs: Any) -> Any:
        hops.append(fn)
        return await greenlet_spawn(fn, *args, **kwargs)

    monkeypatch.setattr(driver, "greenlet_spawn", counted)
    return hops


async def _add_one(engine: AsyncEngine, publisher: RecordingEventPublisher, pid: str) -> None:
    async with SqlUnitOfWork(engine, publisher) as work:
        await work.payments.add(new_payment(pid, "ten_lent"))
        await work.commit()


@pytest.mark.postgres
async def test_a_lone_statement_takes_an_idle_connection_without_a_greenlet(
    postgres_url: str, publisher: RecordingEventPublisher, unique: str, greenlet_hops: list[object]
):
    engine = create_engine(postgres_url, pool_size=1)
    try:
        await fill_pool(engine)
        for n in range(3):
            await _add_one(engine, publisher, f"pay_{unique}_{n}")
        assert greenlet_hops == [] and engine.pool.checkedin() == 1  # type: ignore[attr-defined]
    finally:
        await engine.dispose()


@pytest.mark.postgres
async def test_a_lone_statement_connects_or_waits_in_a_greenlet_when_the_pool_must(
    postgres_url: str, publisher: RecordingEventPublisher, unique: str, greenlet_hops: list[object]
):
    """A connection due for recycling is replaced in a greenlet (the check-out without one
    gives it back, invalidated, before connecting; nothing is left unawaited), and with
    every connection out the statement waits for one."""
    recycling = create_engine(postgres_url, pool_size=1, pool_recycle=0)
    try:
        await fill_pool(recycling)
        with warnings.catch_warnings(record=True) as warned:
            warnings.simplefilter("always")
            for n in range(2):
                await _add_one(recycling, publisher, f"pay_{unique}_r{n}")
                gc.collect()  # a coroutine left unawaited would warn now
        assert len(greenlet_hops) == 2 and [str(w.message) for w in warned] == []
    finally:
        await recycling.dispose()

    greenlet_hops.clear()
    engine = create_engine(postgres_url, pool_size=1)
    try:
        async with engine.connect() as holding:
            waiting = asyncio.create_task(_add_one(engine, publisher, f"pay_{unique}_w"))
            await asyncio.sleep(0.2)
            assert not waiting.done()
            await holding.scalar(text("SELECT 1"))
        await asyncio.wait_for(waiting, 5)
        assert len(greenlet_hops) == 1 and engine.pool.checkedin() == 1  # type: ignore[attr-defined]
        async with SqlUnitOfWork(engine, publisher) as work:
            assert await work.payments.get("ten_lent", f"pay_{unique}_w") is not None
    finally:
        await engine.dispose()


@pytest.mark.postgres
async def test_a_lone_read_goes_to_the_driver_without_a_greenlet_and_reads_as_sqlalchemy_does(
    postgres_url: str, publisher: RecordingEventPublisher, unique: str, greenlet_hops: list[object]
):
    engine = create_engine(postgres_url, pool_size=2)
    tenant = f"ten_{unique}"
    lines = [InvoiceLine("Plan ✓", 1, 4_900), InvoiceLine("Seats", 3, 1_000)]
    invoice = Invoice(f"inv_{unique}", tenant, "cus_1", f"N-{unique}", "USD", lines, created_at=T0)
    try:
        await fill_pool(engine)
        async with SqlUnitOfWork(engine, publisher) as work:
            await work.invoices.add(invoice)
            await work.commit()
        greenlet_hops.clear()
        async with SqlUnitOfWork(engine, publisher) as work:
            lent = await work.invoices.for_portal(tenant, "cus_1", None)
        assert greenlet_hops == []
        async with SqlUnitOfWork(engine, publisher) as work:
            await work.invoices.get(tenant, invoice.id)  # the unit of work has a connection now
            through_sqlalchemy = await work.invoices.for_portal(tenant, "cus_1", None)
        assert [state(i) for i in lent] == [state(i) for i in through_sqlalchemy]
        assert lent[0].lines == lines and lent[0].created_at == T0
        assert lent[0].created_at.tzinfo is UTC
    finally:
        await engine.dispose()


def test_a_lone_read_refuses_what_it_would_read_otherwise_than_sqlalchemy():
    dialect = create_engine("postgresql://kassa@127.0.0.1:1/kassa").dialect
    with pytest.raises(TypeError, match="IN list"):
        driver._read_template(select(payments).where(payments.c.id.in_(["a"])), (), dialect)
    shouted = select(type_coerce(payments.c.id, _Shouted()).label("id"))
    with pytest.raises(TypeError, match="result processing"):
        driver._read_template(shouted, (), dialect)


class _Shouted(TypeDecorator[str]):
    """A type SQLAlchemy converts on the way out, which asyncpg alone would not."""

    impl = String
    cache_ok = True

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        return value.upper() if value is not None else None


@pytest.mark.postgres
async def test_webhook_receipt_takes_no_greenlet_hop_and_says_whether_it_stored(
    postgres_url: str, unique: str, greenlet_hops: list[object]
):
    engine = create_engine(postgres_url, pool_size=1)
    event = WebhookEvent.receive(
        id=f"evt_{unique}", gateway="stripe", type="payment_intent.succeeded",
        payload=b'{"id": 1}\x00\xff', now=T0, kind=EventKind.ACTIONABLE,
    )  # fmt: skip
    try:
        await fill_pool(engine)
        queue = SqlWebhookQueue(engine)
        assert [await queue.receive(event), await queue.receive(event)] == [True, False]
        assert greenlet_hops == []
    finally:
        await engine.dispose()
