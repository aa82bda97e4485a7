"""The fake gateway's books in the database: gateways of several processes (here, several
instances on one database) are one gateway; its events are delivered in order, again and
again while Kassa does not answer."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text

from adapters.gateways.fake import FakePaymentGateway, sequential_ids
from adapters.gateways.fake_delivery import FakeWebhookDelivery
from adapters.gateways.fake_sql import SqlFakeGatewayState, fake_gateway_engine
from adapters.gateways.fake_sql import metadata as fake_gateway_tables
from adapters.gateways.stripe_signature import verify
from adapters.system.clock import SystemClock
from application.ports.gateway import CaptureRequest
from domain.capture_method import CaptureMethod
from domain.statuses import PaymentStatus
from tests.support.gateways import order

SECRET = "whsec_test"


@pytest.fixture
async def gateways(sql_url: str) -> AsyncIterator[tuple[FakePaymentGateway, FakePaymentGateway]]:
    """Two processes' gateways on one database, each with its own connections and ids."""
    clock = SystemClock()
    engines = [fake_gateway_engine(sql_url), fake_gateway_engine(sql_url)]
    if engines[0].dialect.name == "postgresql":  # the session's database: empty its books
        async with engines[0].begin() as conn:
            names = ", ".join(t.name for t in fake_gateway_tables.sorted_tables)
            await conn.execute(text(f"TRUNCATE {names}"))
    made = [
        FakePaymentGateway(clock, state=SqlFakeGatewayState(e, clock.now), ids=sequential_ids(run))
        for e, run in zip(engines, ("aaaaaa", "bbbbbb"), strict=True)
    ]
    yield made[0], made[1]
    for engine in engines:
        await engine.dispose()


async def test_an_intent_made_by_one_process_is_captured_by_another(gateways) -> None:
    one, two = gateways
    held = await one.create_intent(order("pm_card_visa", CaptureMethod.MANUAL), "k_create")

    captured = await two.capture_intent(
        CaptureRequest(held.gateway_payment_id, held.amount), "k_capture"
    )

    assert captured.status is PaymentStatus.SUCCEEDED
    assert (await one.retrieve_intent(held.gateway_payment_id)).amount_received == 1000


async def test_one_key_sent_by_many_processes_at_once_makes_one_intent(gateways) -> None:
    one, two = gateways
    request = order("pm_card_visa")
    answers = await asyncio.gather(*(g.create_intent(request, "k_same") for g in (one, two) * 5))

    assert {a.gateway_payment_id for a in answers} == {answers[0].gateway_payment_id}
    assert len(await one.list_intents()) == 1


async def test_ids_come_from_the_injected_factory(gateways) -> None:
    one, _ = gateways
    made = await one.create_intent(order("pm_card_visa"), "k_1")
    assert made.gateway_payment_id == "pi_fake_aaaaaa00000001"


async def test_events_are_delivered_in_order_and_retried_while_kassa_is_down(gateways) -> None:
    one, two = gateways
    await one.create_intent(order("pm_card_visa"), "k_1")
    await two.create_intent(order("pm_card_visa"), "k_2")
    received: list[str] = []
    down = True

    async def send(payload: bytes, signature: str) -> int:
        if down:
            raise ConnectionRefusedError("Kassa is not listening")
        verify(payload, signature, SECRET, SystemClock().now())
        received.append(json.loads(payload)["id"])
        return 200

    delivery = FakeWebhookDelivery(one.state, send, SECRET, SystemClock())
    assert await delivery.deliver_due() == 0
    down = False
    await asyncio.sleep(0.6)  # the first retry is due after 0.5 s
    assert await delivery.deliver_due() == 6  # created, charge.succeeded, succeeded; twice

    assert [e[len("evt_fake_") :][:6] for e in received] == ["aaaaaa"] * 3 + ["bbbbbb"] * 3
    assert received == sorted(received)
    assert await delivery.deliver_due() == 0  # delivered once, not again
