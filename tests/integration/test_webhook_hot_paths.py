"""The webhook hot paths on PostgreSQL, counted and planned rather than timed:

- receipt is one statement in autocommit (no BEGIN, no COMMIT);
- a consumed event with an effect costs at most 4 round trips, a batch's claim, BEGIN
  and COMMIT shared among its events;
- the claim reads the due events through the partial index, whatever the backlog: no
  sequential scan and no sort of the inbox.

A later change that adds a round trip, or loses the index, fails here (issue 13).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, text

from adapters.gateways.fake import FakePaymentGateway
from adapters.gateways.fake_console import FakeGatewayConsole
from application.payments.create_payment import CreatePaymentCommand
from application.tenants.create_tenant import CreateTenantCommand
from domain.capture_method import CaptureMethod
from domain.money import Money
from domain.webhook_event import WebhookEvent, WebhookStatus
from entrypoints.container import Container, build_container
from entrypoints.http.app import create_app
from entrypoints.settings import Settings
from tests.perf.round_trips import RoundTripCounter, count_round_trips
from tests.perf.webhook_bench import SECRET, signed_event
from tests.support.databases import postgres_database

pytestmark = pytest.mark.postgres

RECEIPT_BUDGET = 1
# Issue 13 asks ≤ 4; the batch reaches 1.33 on this mix (claim, BEGIN, the payments'
# lock and COMMIT shared by ten events; each changed payment saved once; one UPDATE marks
# the batch done), so the budget holds it near there.
EVENT_WITH_EFFECT_BUDGET = 2.0
BATCH = 10
BACKLOG = 20_000


@pytest.fixture
async def kassa() -> AsyncIterator[Container]:
    async with postgres_database() as url:
        container = build_container(
            Settings(
                env="test", database_url=url, consumer_in_process=False,
                fake_gateway_state="memory",
            )
        )  # fmt: skip
        try:
            yield container
        finally:
            await container.engine().dispose()


async def test_webhook_receipt_is_one_round_trip(kassa: Container) -> None:
    [receipt] = await count_round_trips(
        create_app(kassa), kassa.engine(), {"receipt": signed_event("rt")}, samples=20
    )
    assert receipt.total == RECEIPT_BUDGET, receipt.describe()
    assert (receipt.begins, receipt.commits) == (0, 0), receipt.describe()
    async with kassa.engine().connect() as conn:
        stored = await conn.scalar(text("SELECT count(*) FROM webhook_events"))
    assert stored == 25  # warm-up and samples, each stored once


async def test_a_consumed_event_with_an_effect_costs_at_most_four_round_trips(
    kassa: Container,
) -> None:
    await _refunded_payments(kassa, 20)  # two dashboard refunds each
    consumer = kassa.webhook_consumer()
    await _consume(consumer, 1)  # warm-up: the prepared statements are cached
    with RoundTripCounter(kassa.engine()) as counter:
        outcomes = await _consume(consumer, BATCH * 3)
    trips = counter.result("consumed event", len(outcomes))
    assert len(outcomes) == BATCH * 3
    assert set(outcomes) <= {WebhookStatus.PROCESSED, WebhookStatus.STALE}, outcomes
    assert trips.total <= EVENT_WITH_EFFECT_BUDGET, trips.describe()
    assert trips.begins <= 1 / BATCH + 1e-9, trips.describe()  # one transaction a batch
    async with kassa.unit_of_work() as uow:
        refunds = [
            len(p.refunds) for p in await uow.payments.lock_by_gateway_ids(await _intents(kassa))
        ]
    assert refunds and all(n == 2 for n in refunds[: len(outcomes) // 10])


async def test_the_claim_reads_due_events_through_the_partial_index(kassa: Container) -> None:
    engine = kassa.engine()
    async with engine.begin() as conn:
        for status in ("pending", "processed"):
            await conn.execute(
                text(
                    "INSERT INTO webhook_events (id, gateway, type, payload, status, attempts,"
                    " next_attempt_at, received_at, version)"
                    " SELECT 'evt_' || :status || g, 'fake', 'charge.succeeded',"
                    " convert_to('{}', 'UTF8'), :status, 0,"
                    " now() - interval '1 hour' + g * interval '1 ms',"
                    " now() - interval '1 hour' + g * interval '1 ms', 0"
                    " FROM generate_series(1, :n) AS g"
                ),
                {"status": status, "n": BACKLOG},
            )
        await conn.execute(text("ANALYZE webhook_events"))
    claim = _captured_claim(engine)
    claimed = await kassa.webhook_queue().claim_due(datetime.now(UTC), timedelta(seconds=60), BATCH)
    assert [e.id for e in claimed] == [f"evt_pending{n}" for n in range(1, BATCH + 1)]
    for mode in ("force_custom_plan", "force_generic_plan"):
        async with engine.connect() as conn:
            await conn.execute(text(f"SET plan_cache_mode = {mode}"))
            sql, params = claim()
            raw = await conn.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {sql}", params)
            plan = raw.scalar_one()
            await conn.rollback()
        nodes = list(_nodes(json.loads(plan) if isinstance(plan, str) else plan))
        on_inbox = [n for n in nodes if n.get("Relation Name") == "webhook_events"]
        assert not [n for n in nodes if n["Node Type"] == "Sort"], (mode, plan)
        assert not [n for n in on_inbox if n["Node Type"] == "Seq Scan"], (mode, plan)
        assert any(n.get("Index Name") == "ix_webhook_events_due_at" for n in nodes), (mode, plan)


# ------------------------------------------------------------------------- helpers


async def _refunded_payments(kassa: Container, count: int) -> None:
    await kassa.create_tenant().execute(CreateTenantCommand(name="Hot", tenant_id="ten_hot"))
    gateway = kassa.gateway()
    assert isinstance(gateway, FakePaymentGateway)
    console = FakeGatewayConsole(gateway)
    for n in range(count):
        payment = await kassa.create_payment().execute(
            CreatePaymentCommand(
                tenant_id="ten_hot", order_id=f"ord_{n}", amount=10_000, currency="usd",
                capture_method=CaptureMethod.AUTOMATIC, confirm=True,
                payment_method="pm_card_visa",
            )
        )  # fmt: skip
        intent = payment.gateway_payment_id or ""
        console.refund_from_dashboard(intent, Money(1_000, "USD"))
        console.refund_from_dashboard(intent, Money(2_000, "USD"))
    queue = kassa.webhook_queue()
    now = kassa.clock().now()
    for delivery in console.deliveries(SECRET, now):
        await queue.receive(
            WebhookEvent.receive(
                id=delivery.event_id, gateway="fake", type=delivery.event_type,
                payload=delivery.payload, now=now,
                kind=kassa.gateway_events().kind(delivery.event_type),
            )
        )  # fmt: skip


async def _intents(kassa: Container) -> list[str]:
    async with kassa.engine().connect() as conn:
        rows = await conn.execute(text("SELECT gateway_payment_id FROM payments ORDER BY id"))
        return [row[0] for row in rows]


async def _consume(consumer: Any, events: int) -> list[WebhookStatus | None]:
    outcomes: list[WebhookStatus | None] = []
    while len(outcomes) < events and (claimed := await consumer.claim(BATCH)):
        outcomes.extend(await consumer.process_all(claimed))
    return outcomes


def _captured_claim(engine: Any) -> Any:
    """The claim's SQL and parameters as last sent, to EXPLAIN them as they are."""
    seen: dict[str, Any] = {}

    def keep(_conn: Any, _cursor: Any, sql: str, params: Any, *_: Any) -> None:
        if "FOR UPDATE SKIP LOCKED" in sql and sql.lstrip().startswith("WITH"):
            seen["claim"] = (sql, params)

    event.listen(engine.sync_engine, "before_cursor_execute", keep)
    return lambda: seen["claim"]


def _nodes(plan: Any) -> Iterator[dict[str, Any]]:
    stack = [entry["Plan"] for entry in plan]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(node.get("Plans", []))
