"""Webhooks under stress on PostgreSQL (§6, §12): one event delivered 30 times at once to
a real server, a storm applied by four consumer processes, and a consumer killed while it
holds leases. Effects are counted in the database (refund rows, payment columns), never
inferred from answers or logs. The fake gateway runs in this process and plays Stripe:
it takes the payments, then refunds and disputes them "in its dashboard" and signs the
events; what it finally holds is what in-order application must leave in Kassa."""

from __future__ import annotations

import asyncio
import random
import signal
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from adapters.gateways.fake import FakePaymentGateway
from adapters.gateways.fake_console import FakeGatewayConsole
from adapters.gateways.fake_events import SignedDelivery
from adapters.persistence.inbox_wakeup import LocalInboxWakeup
from application.payments.create_payment import CreatePaymentCommand
from application.tenants.create_tenant import CreateTenantCommand
from domain.capture_method import CaptureMethod
from domain.money import Money
from domain.payment import Payment
from domain.payment_fees import GatewayFeeSource
from domain.statuses import DisputeStatus, PaymentStatus
from entrypoints.consumer import ConsumerRunner
from entrypoints.container import Container, build_container
from entrypoints.settings import Settings
from tests.reliability.kassa_processes import KassaProcess, consume, serve

pytestmark = pytest.mark.postgres

TENANT = "ten_reliable"
SECRET = "whsec_fake_kassa"
UNFINISHED = ("pending", "processing", "failed")


@dataclass
class Gateway:
    """Kassa's view of the database (this process, no consumer) and the fake gateway."""

    kassa: Container

    @property
    def fake(self) -> FakePaymentGateway:
        gateway = self.kassa.gateway()
        assert isinstance(gateway, FakePaymentGateway)
        return gateway

    @property
    def console(self) -> FakeGatewayConsole:
        return FakeGatewayConsole(self.fake)

    async def pay(self, order_id: str, amount: int = 100_000) -> Payment:
        command = CreatePaymentCommand(
            tenant_id=TENANT, order_id=order_id, amount=amount, currency="usd",
            capture_method=CaptureMethod.AUTOMATIC, confirm=True, payment_method="pm_card_visa",
        )  # fmt: skip
        payment = await self.kassa.create_payment().execute(command)
        assert payment.status is PaymentStatus.SUCCEEDED
        return payment

    async def pay_many(self, order_ids: list[str], at_once: int = 8) -> list[Payment]:
        gate = asyncio.Semaphore(at_once)

        async def one(order_id: str) -> Payment:
            async with gate:
                return await self.pay(order_id)

        return list(await asyncio.gather(*(one(order_id) for order_id in order_ids)))

    def deliveries(self) -> list[SignedDelivery]:
        """What the gateway has to say since it last said anything, signed now."""
        return self.console.deliveries(SECRET, self.kassa.clock().now())

    async def receive(self, deliveries: list[SignedDelivery], at_once: int = 16) -> None:
        """Into the inbox as the webhook endpoint does: the same use case, then a ring that
        NOTIFYs the consumers; `at_once` deliveries at a time."""
        gate = asyncio.Semaphore(at_once)
        wakeup = self.kassa.inbox_wakeup()
        await wakeup.start(listen=False)

        async def one(delivery: SignedDelivery) -> None:
            async with gate:
                receive = self.kassa.receive_webhook()
                if await receive.execute("fake", delivery.payload, delivery.signature):
                    wakeup.ring()

        try:
            await asyncio.gather(*(one(d) for d in deliveries))
        finally:
            await asyncio.sleep(0.05)  # the last NOTIFY goes out
            await wakeup.close()

    async def rows(self, sql: str, **params: Any) -> list[Any]:
        async with self.kassa.engine().connect() as conn:
            return list(await conn.execute(text(sql), params))

    async def inbox(self) -> dict[str, int]:
        found = await self.rows("SELECT status, count(*) FROM webhook_events GROUP BY status")
        return {status: count for status, count in found}

    async def settled(self, within: float) -> dict[str, int]:
        """Wait until no event is pending, leased or failing; the counts by status."""
        deadline = time.monotonic() + within
        while True:
            counts = await self.inbox()
            if not any(counts.get(s) for s in UNFINISHED):
                return counts
            if time.monotonic() > deadline:
                raise AssertionError(f"the inbox did not settle within {within:g} s: {counts}")
            await asyncio.sleep(0.1)

    async def refunds_by_payment(self) -> dict[str, list[tuple[str, int, str]]]:
        found: dict[str, list[tuple[str, int, str]]] = {}
        for payment_id, gateway_refund_id, amount, status in await self.rows(
            "SELECT payment_id, gateway_refund_id, amount, status FROM refunds"
        ):
            found.setdefault(payment_id, []).append((gateway_refund_id, amount, status))
        return {k: sorted(v) for k, v in found.items()}

    def gateway_refunds(self, payment: Payment) -> list[tuple[str, int, str]]:
        return sorted(
            (r.id, r.amount.amount, r.status.value)
            for r in self.fake.refunds.values()
            if r.intent_id == payment.gateway_payment_id
        )


@pytest.fixture
async def gateway(database_url: str) -> AsyncIterator[Gateway]:
    kassa = build_container(
        Settings(
            env="test",
            database_url=database_url,
            consumer_in_process=False,
            fake_gateway_state="memory",
        )
    )
    await kassa.create_tenant().execute(CreateTenantCommand(name="Reliable", tenant_id=TENANT))
    yield Gateway(kassa)
    await kassa.engine().dispose()


async def stop_all(processes: list[KassaProcess]) -> None:
    for process in processes:
        if process.running:
            process.kill()
            await process.wait(10)


# --------------------------------------------------------------------------- (1)


async def test_one_event_delivered_30_times_at_once_is_stored_once_and_applied_once(
    gateway: Gateway, database_url: str, tmp_path: Path
) -> None:
    payment = await gateway.pay("ord_dup")
    gateway.deliveries()  # what the payment itself said is not the point here
    gateway.console.refund_from_dashboard(payment.gateway_payment_id or "", Money(2_500, "USD"))
    (created,) = [d for d in gateway.deliveries() if d.event_type == "refund.created"]

    server, base_url = await serve(database_url, tmp_path)  # its own consumer, in process
    try:
        limits = httpx.Limits(max_connections=30)
        async with httpx.AsyncClient(base_url=base_url, limits=limits, trust_env=False) as client:

            async def deliver() -> httpx.Response:
                return await client.post(
                    "/api/v1/webhooks/fake",
                    content=created.payload,
                    headers={"Stripe-Signature": created.signature},
                )

            answers = await asyncio.gather(*(deliver() for _ in range(30)))
        assert [a.status_code for a in answers] == [200] * 30
        duplicates = sorted(a.json()["duplicate"] for a in answers)
        assert duplicates == [False] + [True] * 29, "exactly one delivery stored it"
        t0 = time.monotonic()
        assert await gateway.settled(within=10) == {"processed": 1}
        t1 = time.monotonic()
        # uvicorn shuts down gracefully, then re-raises the SIGTERM it caught.
        assert await server.terminate() in (0, -signal.SIGTERM)
        print(f"settled {t1 - t0:.2f}s, stopped {time.monotonic() - t1:.2f}s")
        assert "Traceback" not in server.output() and "ERROR" not in server.output()
    finally:
        await stop_all([server])

    (stored,) = await gateway.rows("SELECT id, attempts FROM webhook_events")
    assert tuple(stored) == (created.event_id, 1)
    refund_id = next(iter(gateway.fake.refunds))
    assert await gateway.refunds_by_payment() == {payment.id: [(refund_id, 2_500, "succeeded")]}
    (amount_refunded,) = await gateway.rows(
        "SELECT amount_refunded FROM payments WHERE id = :id", id=payment.id
    )
    assert tuple(amount_refunded) == (2_500,)


# --------------------------------------------------------------------------- (2)

PAYMENTS = 200
DUPLICATES = 0.30


async def test_a_storm_applied_by_four_consumer_processes_takes_effect_once_in_order(
    gateway: Gateway, database_url: str, tmp_path: Path
) -> None:
    """Ten events a payment, 2,000 in all, plus 30 % more deliveries repeating one of them,
    shuffled, received while four `kassa webhooks consume` processes apply them."""
    started = time.monotonic()
    consumers = [  # started first: they load while the gateway takes the payments
        await consume(database_url, tmp_path, f"consumer-{n}", "--concurrency", "2")
        for n in range(4)
    ]
    try:
        payments = await gateway.pay_many([f"ord_storm_{n:03d}" for n in range(PAYMENTS)])
        for n, payment in enumerate(payments):  # created, charge, intent: 3 events
            intent = payment.gateway_payment_id or ""
            console = gateway.console
            console.refund_from_dashboard(intent, Money(1_000 + n, "USD"))  # refund, charge: 2
            console.refund_from_dashboard(intent, Money(20_000 + n, "USD"))  # 2 more
            dispute = console.open_dispute(intent)  # 1
            console.close_dispute(dispute.id, won=False)  # 1
            console.fail_late(intent)  # a failure reported after the success: 1
        unique = gateway.deliveries()
        assert len(unique) == 10 * PAYMENTS
        rng = random.Random(20_250_303)
        deliveries = unique + rng.choices(unique, k=int(len(unique) * DUPLICATES))
        rng.shuffle(deliveries)

        prepared = time.monotonic()
        await gateway.receive(deliveries)
        received = time.monotonic()
        counts = await gateway.settled(within=90)
        print(
            f"\nstorm: prepared in {prepared - started:.1f} s, received in "
            f"{received - prepared:.1f} s, settled {time.monotonic() - received:.1f} s later"
        )
        for consumer in consumers:
            assert await consumer.terminate() == 0, consumer.output()
            assert "Stopped after:" in consumer.output()
    finally:
        await stop_all(consumers)

    # What is set aside depends on the order (a dispute opening heard after its closing is
    # out of date), so the invariant is the payments' end state, not these counts.
    assert sum(counts.values()) == len(unique), "each event is stored once"
    assert set(counts) == {"processed", "stale"}, counts
    assert counts["stale"] >= PAYMENTS, "every late failure was set aside"
    refunds = await gateway.refunds_by_payment()
    for n, payment in enumerate(payments):
        # Every refund the gateway made, each exactly once, as the gateway holds it.
        assert refunds[payment.id] == gateway.gateway_refunds(payment), payment.id
        assert sorted(amount for _, amount, _ in refunds[payment.id]) == [1_000 + n, 20_000 + n]
        seen = await gateway.kassa.get_payment().execute(TENANT, payment.id)
        assert seen.status is PaymentStatus.SUCCEEDED, "the late failure undid nothing"
        assert seen.amount_refunded == 21_000 + 2 * n
        assert seen.dispute_status is DisputeStatus.LOST
        assert seen.gateway_fee_source is GatewayFeeSource.ACTUAL
        assert seen.gateway_fee == 100_000 * 290 // 10_000 + 30
    assert sum(len(r) for r in refunds.values()) == 2 * PAYMENTS


# --------------------------------------------------------------------------- (3)

LEASE_SECONDS = 2


async def test_a_consumer_killed_holding_leases_leaves_its_events_to_another_once(
    gateway: Gateway, database_url: str, tmp_path: Path
) -> None:
    payments = await gateway.pay_many([f"ord_kill_{n:03d}" for n in range(40)])
    for n, payment in enumerate(payments):
        gateway.console.refund_from_dashboard(
            payment.gateway_payment_id or "", Money(500 + n, "USD")
        )
    deliveries = gateway.deliveries()
    await gateway.receive(deliveries)

    lease = {"webhook_lease_seconds": str(LEASE_SECONDS)}
    doomed = await consume(
        database_url, tmp_path, "doomed", "--concurrency", "1", "--batch", "25", **lease
    )
    try:
        deadline = time.monotonic() + 30
        while True:  # kill it once it has applied some events and leases more
            counts = await gateway.inbox()
            if counts.get("processed") and counts.get("processing"):
                doomed.kill()
                break
            assert time.monotonic() < deadline, f"the consumer never got going: {counts}"
            await asyncio.sleep(0.005)
        await doomed.wait(10)
        held = {
            event_id: locked_until
            for event_id, locked_until in await gateway.rows(
                "SELECT id, locked_until FROM webhook_events WHERE status = 'processing'"
            )
        }
        assert held, "the consumer died holding no lease"
        assert len(held) < len(deliveries)

        # The heir: the runner `kassa webhooks consume` runs, here in this process.
        heir = ConsumerRunner(gateway.kassa, LocalInboxWakeup(), reconcile_every=None)
        heir_running = asyncio.create_task(heir.run())
        await gateway.settled(within=LEASE_SECONDS + 20)
        heir.stop()
        await asyncio.wait_for(heir_running, 10)
    finally:
        await stop_all([doomed])

    rows = await gateway.rows(
        "SELECT id, status, attempts, processed_at FROM webhook_events WHERE id = ANY(:ids)",
        ids=list(held),
    )
    for event_id, status, attempts, processed_at in rows:
        assert status == "processed"
        assert attempts == 1, "the killed attempt never counted: it was rolled back"
        assert processed_at >= held[event_id], "taken over only once its lease expired"
    refunds = await gateway.refunds_by_payment()
    for payment in payments:
        assert refunds[payment.id] == gateway.gateway_refunds(payment), payment.id
    assert sum(len(r) for r in refunds.values()) == len(payments)
