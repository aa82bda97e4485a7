"""The consumer runner on the memory store: drains, wakes on a ring, survives a failing
database, reconciles now and then, and stops when asked."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime
from typing import Any

import pytest
from dependency_injector import providers

from adapters.gateways.stripe_signature import sign
from adapters.persistence.inbox_wakeup import LocalInboxWakeup
from entrypoints.consumer import ConsumerRunner
from entrypoints.container import Container, build_container
from entrypoints.settings import Settings

SECRET = "whsec_fake_kassa"


@pytest.fixture
def container() -> Container:
    return build_container(Settings(env="test", database_url="memory://"))


async def receive(container: Container, *event_ids: str) -> None:
    """Events the consumer must claim: a dispute closed on a payment Kassa does not know,
    so each is tried once and fails (unknown_payment), to be retried much later."""
    for event_id in event_ids:
        dispute = {"id": "dp_1", "object": "dispute", "payment_intent": "pi_unknown"}
        event = {
            "id": event_id,
            "object": "event",
            "type": "charge.dispute.closed",
            "data": {"object": dispute | {"status": "lost"}},
        }
        body = json.dumps(event).encode()
        signature = sign(body, SECRET, int(datetime.now(UTC).timestamp()))
        assert await container.receive_webhook().execute("fake", body, signature)


def statuses(container: Container) -> dict[str, str]:
    return {e.id: e.status.value for e in container.memory_store().webhooks.values()}


async def test_draining_applies_every_due_event_with_several_workers(container: Container) -> None:
    await receive(container, *(f"evt_{n:03d}" for n in range(25)))
    runner = ConsumerRunner(container, LocalInboxWakeup(), concurrency=3, batch=4)
    tally = await runner.drain()
    assert tally == {"failed": 25}
    assert set(statuses(container).values()) == {"failed"}
    assert tally.summary() == "25 failed"


async def test_an_idle_consumer_wakes_when_an_event_is_stored(container: Container) -> None:
    wakeup = LocalInboxWakeup()
    runner = ConsumerRunner(container, wakeup, poll_seconds=30, reconcile_every=None)
    running = asyncio.create_task(runner.run())
    await asyncio.sleep(0.05)  # idle now, for up to 30 s
    started = time.perf_counter()
    await receive(container, "evt_ring")
    wakeup.ring()
    while statuses(container)["evt_ring"] != "failed":
        assert time.perf_counter() - started < 1, "the ring did not wake the consumer"
        await asyncio.sleep(0.005)
    runner.stop()
    await asyncio.wait_for(running, 1)


async def test_stop_returns_at_once_from_an_idle_wait(container: Container) -> None:
    runner = ConsumerRunner(container, LocalInboxWakeup(), poll_seconds=60, reconcile_every=60)
    running = asyncio.create_task(runner.run())
    await asyncio.sleep(0.05)
    runner.stop()
    assert await asyncio.wait_for(running, 1) == {}


class FlakyConsumer:
    """Claims fail the first `failures` times, as when the database is away."""

    def __init__(self, real: Any, failures: int) -> None:
        self.real, self.failures = real, failures

    async def claim(self, limit: int) -> Any:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("database is away")
        return await self.real.claim(limit)

    async def process_all(self, events: Any) -> Any:
        return await self.real.process_all(events)


async def test_a_failing_claim_is_retried_after_a_pause(
    container: Container, caplog: pytest.LogCaptureFixture
) -> None:
    flaky = FlakyConsumer(container.webhook_consumer(), failures=1)
    container.webhook_consumer.override(providers.Object(flaky))
    await receive(container, "evt_after_outage")
    wakeup = LocalInboxWakeup()
    runner = ConsumerRunner(container, wakeup, concurrency=1, reconcile_every=None)
    running = asyncio.create_task(runner.run())
    await asyncio.sleep(0.05)
    assert statuses(container)["evt_after_outage"] == "pending"
    wakeup.wake_here()  # cut the pause short
    for _ in range(100):
        if statuses(container)["evt_after_outage"] == "failed":
            break
        await asyncio.sleep(0.01)
    runner.stop()
    await asyncio.wait_for(running, 1)
    assert statuses(container)["evt_after_outage"] == "failed"
    assert "database is away" in caplog.text


class CountingReconciliation:
    def __init__(self) -> None:
        self.runs: list[bool] = []

    async def execute(self, fix: bool, progress: Any = None) -> list[Any]:
        self.runs.append(fix)
        if len(self.runs) == 2:
            raise RuntimeError("the gateway is down")  # logged, and tried again later
        return []


async def test_payments_are_reconciled_now_and_then_with_fixes(container: Container) -> None:
    reconciliation = CountingReconciliation()
    container.reconcile_payments.override(providers.Object(reconciliation))
    runner = ConsumerRunner(container, LocalInboxWakeup(), reconcile_every=0.02)
    running = asyncio.create_task(runner.run())
    await asyncio.sleep(0.15)
    runner.stop()
    await asyncio.wait_for(running, 1)
    assert len(reconciliation.runs) >= 3
    assert all(reconciliation.runs)


def test_at_least_one_worker_and_one_event_a_batch(container: Container) -> None:
    with pytest.raises(ValueError):
        ConsumerRunner(container, LocalInboxWakeup(), concurrency=0)
    with pytest.raises(ValueError):
        ConsumerRunner(container, LocalInboxWakeup(), batch=0)


async def test_draining_stops_at_a_failure_instead_of_waiting_it_out(container: Container) -> None:
    container.webhook_consumer.override(
        providers.Object(FlakyConsumer(container.webhook_consumer(), failures=1))
    )
    with pytest.raises(ConnectionError):
        await ConsumerRunner(container, LocalInboxWakeup()).drain()
