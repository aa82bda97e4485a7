"""Merchant events delivered under failure on PostgreSQL (§14): a real `kassa serve`, two
`kassa events deliver` processes and a real receiving HTTP server, all started here.
1,000 payment operations through the HTTP API while the receiver is down for a while,
then answers 500 at random; one worker is killed with SIGKILL while the receiver holds
requests it sent. Every event in the outbox must reach the receiver, signed, as stored,
none invented, and twice only across the kill."""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from adapters.gateways.stripe_signature import verify
from entrypoints.event_delivery import BATCH
from tests.perf.servers import cpu_seconds
from tests.reliability.kassa_processes import (
    KassaProcess,
    cli,
    complete_3ds,
    deliver_events,
    merchant,
    serve,
    wait_for,
)
from tests.support.webhook_receiver import Heard, WebhookReceiver

pytestmark = pytest.mark.postgres

# 150 charges refunded, 150 authorizations captured, 100 canceled, 199 charges, and the
# payment a customer completes through 3-D Secure: 1,000 operations that change payments.
PLAN = ["refund"] * 150 + ["capture"] * 150 + ["cancel"] * 100 + ["charge"] * 199
WHILE_DOWN = 60  # of the PLAN's payments, made while the receiver is down (~100 operations)
AT_ONCE = 8
FAILURE_RATE = 0.2  # the receiver answers 500 at random
ANSWER_DELAY = 0.01  # seconds the receiver takes to answer: a worker can die waiting
WORKER = {  # short backoff, so an outage of seconds is retried in seconds; a lease long
    # enough that no live worker loses one on a loaded machine (a lease taken over is the
    # other way to deliver twice); the kill comes early, so waiting it out costs nothing
    "event_delivery_lease_seconds": "15",
    "event_delivery_first_retry_seconds": "0.5",
    "event_delivery_longest_retry_seconds": "4",
    "event_delivery_timeout_seconds": "10",
}


def local_ports(pid: int) -> set[int]:
    """The local TCP ports of the sockets process `pid` holds (Linux: /proc)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue  # closed meanwhile
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            columns = line.split()
            if columns[9] in inodes:
                ports.add(int(columns[1].rsplit(":", 1)[1], 16))
    return ports


@dataclass
class Kill:
    at: float
    ports: set[int]  # the killed worker's connections
    held: int  # its requests the receiver had not answered yet


async def kill_mid_batch(worker: KassaProcess, receiver: WebhookReceiver, within: float) -> Kill:
    """SIGKILL `worker` once the receiver holds a request it sent (its batch is out). It
    is stopped (SIGSTOP) while its connections are read, so it opens none unseen."""
    pid = worker.process.pid
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if any(receiver.waiting[port] for port in local_ports(pid)):
            os.kill(pid, signal.SIGSTOP)
            ports = local_ports(pid)
            held = sum(receiver.waiting[port] for port in ports)
            if held:
                worker.kill()
                return Kill(time.monotonic(), ports, held)
            os.kill(pid, signal.SIGCONT)
        await asyncio.sleep(0.005)
    raise AssertionError(f"worker {worker.name} never had a request out within {within:g} s")


@dataclass
class Shop:
    """The demo tenant's merchant admin, paying, capturing, canceling and refunding."""

    api: httpx.AsyncClient
    gate: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(AT_ONCE))
    done: int = 0

    async def call(self, path: str, body: dict[str, Any], expect: int) -> dict[str, Any]:
        async with self.gate:
            answer = await self.api.post(path, json=body)
        assert answer.status_code == expect, f"{path}: {answer.text}"
        self.done += 1
        found: dict[str, Any] = answer.json()
        return found

    async def run(self, n: int, kind: str) -> None:
        card = {"amount": 1_000 + n, "currency": "usd", "payment_method": "pm_card_visa"}
        order = {"order_id": f"ord_{n:04d}", **card}
        if kind in ("charge", "refund"):
            paid = await self.call("/payments/charge", order, 201)
            if kind == "refund":
                await self.call(f"/payments/{paid['id']}/refunds", {"amount": 300}, 201)
            return
        held = await self.call("/payments/authorize", order, 201)
        action = "capture" if kind == "capture" else "cancel"
        await self.call(f"/payments/{held['id']}/{action}", {}, 200)


async def rows(database_url: str, sql: str, **params: Any) -> list[Any]:
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:
            return list(await conn.execute(text(sql), params))
    finally:
        await engine.dispose()


async def settled(database_url: str, within: float) -> None:
    """Wait until every event is fanned out and every delivery delivered."""
    deadline = time.monotonic() + within
    while True:
        ((undispatched, unfinished),) = await rows(
            database_url,
            "SELECT (SELECT count(*) FROM merchant_events WHERE dispatched_at IS NULL),"
            " (SELECT count(*) FROM event_deliveries WHERE status <> 'delivered')",
        )
        if not undispatched and not unfinished:
            return
        assert time.monotonic() < deadline, (
            f"not delivered within {within:g} s: {undispatched} undispatched, "
            f"{unfinished} deliveries unfinished"
        )
        await asyncio.sleep(0.2)


async def test_every_event_reaches_a_failing_receiver_despite_a_killed_worker(
    database_url: str, tmp_path: Path
) -> None:
    started = time.monotonic()
    receiver = WebhookReceiver(
        failure_rate=FAILURE_RATE, answer_delay=ANSWER_DELAY, rng=random.Random(20_261_129)
    )
    server, base_url = await serve(database_url, tmp_path, event_delivery_in_process="false")
    workers: list[KassaProcess] = []
    try:
        demo = json.loads(await cli(database_url, "demo", "--json"))
        async with merchant(base_url, demo, "admin_token") as api:
            made = await api.post(
                "/webhook-endpoints", json={"url": receiver.url, "enabled_events": ["*"]}
            )
            assert made.status_code == 201, made.text
            secret = made.json()["secret"]
            workers = [
                await deliver_events(database_url, tmp_path, name, **WORKER)
                for name in ("worker-a", "worker-b")
            ]
            shop = Shop(api)
            plan = list(enumerate(PLAN))
            random.Random(7).shuffle(plan)

            # The receiver is down: every attempt is refused, and retried.
            await asyncio.gather(*(shop.run(n, kind) for n, kind in plan[:WHILE_DOWN]))
            three_ds = await api.post(
                "/payments/charge",
                json={"order_id": "ord_3ds", "amount": 2_500, "currency": "usd",
                      "payment_method": "pm_card_threeDSecureRequired"},
            )  # fmt: skip
            assert three_ds.json()["status"] == "requires_action", three_ds.text
            ops_down = shop.done + 1
            down_done = time.monotonic()
            await receiver.up()
            killing = asyncio.create_task(kill_mid_batch(workers[0], receiver, within=60))
            await complete_3ds(api, base_url, three_ds.json())
            await asyncio.gather(*(shop.run(n, kind) for n, kind in plan[WHILE_DOWN:]))
            kill = await killing
            paid_by_webhook, _ = await wait_for(
                api, f"/payments/{three_ds.json()['id']}", "status", "succeeded", 30
            )
            operations = shop.done + 1  # the 3-D Secure charge
            ops_done = time.monotonic()
            await settled(database_url, within=60)
            delivered = time.monotonic()
        used = cpu_seconds([server.process.pid, workers[1].process.pid])
        cpu = {p.name: used[p.process.pid] for p in (server, workers[1])}
        assert await workers[1].terminate() == 0, workers[1].output()
    finally:
        for process in [*workers, server]:
            if process.running:
                process.kill()
                await process.wait(10)
        await receiver.down()

    print(
        f"\n{operations} operations in {ops_done - started:.1f} s ({ops_down} in the first "
        f"{down_done - started:.1f} s with the receiver down); killed {kill.at - down_done:.1f} s "
        f"after it came up, holding {kill.held}; all delivered {delivered - ops_done:.1f} s "
        f"after the last; {len(receiver.heard)} requests heard; CPU seconds "
        f"{ {k: round(v, 1) for k, v in cpu.items()} }; load average {os.getloadavg()}"
    )
    assert operations == 1_000
    outbox = {
        event_id: (body, kind)
        for event_id, body, kind in await rows(
            database_url,
            "SELECT id, body, type FROM merchant_events WHERE tenant_id = :t",
            t=demo["tenant_id"],
        )
    }
    assert len(outbox) >= 2 * operations

    # None invented: every request carries an event of the outbox, byte for byte, signed.
    now = datetime.now(UTC)
    for heard in receiver.heard:
        assert heard.event_id in outbox, heard
        assert heard.body.decode() == outbox[heard.event_id][0]
        assert json.loads(heard.body)["id"] == heard.event_id
        verify(heard.body, heard.signature, secret, now)

    # At least once: every event of the outbox answered 200 by the receiver.
    accepted: dict[str, list[Heard]] = {}
    for heard in receiver.heard:
        if heard.status == 200:
            accepted.setdefault(heard.event_id, []).append(heard)
    assert set(accepted) == set(outbox)
    (deliveries,) = await rows(
        database_url, "SELECT count(*), count(DISTINCT event_id) FROM event_deliveries"
    )
    assert tuple(deliveries) == (len(outbox), len(outbox)), "one endpoint: one delivery each"

    # Twice only across the kill: accepted first from the killed worker, which died
    # before it could record the answer, then once more, by the other one, after it.
    twice = {event_id: hs for event_id, hs in accepted.items() if len(hs) > 1}
    for event_id, (first, *again) in twice.items():
        assert first.client_port in kill.ports, (event_id, first, again)
        assert len(again) == 1 and again[0].at > kill.at, (event_id, first, again)
        assert again[0].client_port not in kill.ports
    assert len(twice) <= BATCH
    print(f"{len(outbox)} events, {len(twice)} delivered twice across the kill")

    # The payment the gateway's webhook completed: one payment.succeeded, delivered.
    succeeded = [
        event_id
        for event_id, (body, kind) in outbox.items()
        if kind == "payment.succeeded"
        and json.loads(body)["data"]["object"]["id"] == paid_by_webhook["id"]
    ]
    assert len(succeeded) == 1
    assert succeeded[0] in accepted
