"""The webhooks part: receipt (`POST /api/v1/webhooks/fake`) against a bare one-insert
endpoint, then the drain rate of a 10,000-event backlog by two consumer processes.

Targets (§6 issue): with one uvicorn worker on PostgreSQL, receipt reaches at least 1.5×
the bare endpoint's throughput and 1,500 events/s; two `kassa webhooks consume`
processes drain at least 500 events/s. Misses are printed, not raised.
`python -m tests.perf.webhook_bench` (KASSA_BENCH_BACKLOG changes the backlog size).
"""

from __future__ import annotations

import asyncio
import os
import resource
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import text

from adapters.gateways.fake import FakePaymentGateway
from adapters.gateways.fake_console import FakeGatewayConsole
from adapters.gateways.fake_events import SignedDelivery
from adapters.gateways.stripe_signature import sign
from application.payments.create_payment import CreatePaymentCommand
from application.tenants.create_tenant import CreateTenantCommand
from domain.capture_method import CaptureMethod
from domain.money import Money
from domain.webhook_event import WebhookEvent
from entrypoints.container import Container, build_container
from entrypoints.settings import Settings
from tests.perf.bare_app import create_bare_table
from tests.perf.harness import (
    REPO_ROOT,
    Call,
    LoadPlan,
    LoadResult,
    MakeCall,
    cpu_probe,
    format_table,
    load_average,
    postgres_database,
    run_load,
    run_main,
    uvicorn_server,
    verdict,
)
from tests.perf.kassa import kassa_server, prepare_kassa

MIN_RATIO = 1.5
MIN_INGEST_PER_S = 1_500.0
MIN_DRAIN_PER_S = 500.0
BACKLOG = int(os.environ.get("KASSA_BENCH_BACKLOG", "") or 10_000)
CONSUMERS = 2
CONSUMER_CONCURRENCY = int(os.environ.get("KASSA_BENCH_CONSUMER_CONCURRENCY", "") or 2)
SECRET = "whsec_fake_kassa"  # KASSA_FAKE_WEBHOOK_SECRET's default, as the server has it
BARE = "bare ORM insert"
INGEST = "kassa webhook receipt"
KASSA = str(Path(sys.executable).with_name("kassa"))

# A payment_intent.succeeded as Stripe sends it (about 1.3 kB); the id changes per request.
_EVENT = (
    b'{"id": "evt_XXXXXXXXXXXX", "object": "event", "api_version": "2024-06-20", '
    b'"created": 1735689600, "livemode": false, "pending_webhooks": 1, '
    b'"request": {"id": null, "idempotency_key": null}, "type": "payment_intent.succeeded", '
    b'"data": {"object": {"id": "pi_3QbenchAAAAAAAAA", "object": "payment_intent", '
    b'"amount": 10000, "amount_capturable": 0, "amount_received": 10000, '
    b'"capture_method": "automatic", "client_secret": "pi_3QbenchAAAAAAAAA_secret_abc", '
    b'"confirmation_method": "automatic", "created": 1735689590, "currency": "usd", '
    b'"customer": null, "description": null, "last_payment_error": null, '
    b'"latest_charge": "ch_3QbenchAAAAAAAAA", "livemode": false, '
    b'"metadata": {"kassa_payment_id": "pay_01JBENCH", "order_id": "ord_bench"}, '
    b'"next_action": null, "payment_method": "pm_1QbenchAAAAAAAAA", '
    b'"payment_method_types": ["card"], "status": "succeeded", '
    b'"transfer_data": null, "transfer_group": null}}}'
)
_ID_MARK = b"evt_XXXXXXXXXXXX"


def signed_event(tag: str) -> MakeCall:
    """A new event each request (ids never repeat across phases), signed now."""

    def make(number: int) -> Call:
        payload = _EVENT.replace(_ID_MARK, f"evt_{tag}_{number:010d}".encode())
        signature = sign(payload, SECRET, int(time.time()))
        headers = {"Content-Type": "application/json", "Stripe-Signature": signature}
        return Call("POST", "/api/v1/webhooks/fake", content=payload, headers=headers)

    return make


def bare_charge(number: int) -> Call:
    body = {"order_id": f"ord_wh_{number}", "amount": 1000, "currency": "usd"}
    return Call("POST", "/charges", json=body | {"payment_method": "pm_card_visa"})


async def ingest(plan: LoadPlan) -> list[LoadResult]:
    async with postgres_database() as url:
        await create_bare_table(url)
        async with uvicorn_server(
            "tests.perf.bare_app:create_bare_app", name="bare", env={"KASSA_DATABASE_URL": url}
        ) as bare:
            bare_result = await run_load(
                bare.base_url, bare_charge, plan, label=BARE, cpu=cpu_probe(bare)
            )
        setup = await prepare_kassa(url)  # no in-process consumer: receipt alone
        async with kassa_server(setup) as kassa:
            kassa_result = await run_load(
                kassa.base_url, signed_event("in"), plan, label=INGEST, cpu=cpu_probe(kassa)
            )
            stored = await _count(url, "SELECT count(*) FROM webhook_events")
    expected = plan.warmup + plan.requests
    if stored != expected - kassa_result.errors:
        print(f"  ! {stored} events stored for {expected} requests")
    return [bare_result, kassa_result]


# ---------------------------------------------------------------------------- drain


@dataclass(frozen=True, slots=True)
class Drain:
    events: int
    wall_s: float  # from starting the processes until both exited
    span_s: float  # first to last event applied (start-up excluded)
    cpu_ms_per_event: float  # the consumers' CPU, their start-up taken out
    outcomes: dict[str, int]

    @property
    def rate(self) -> float:
        return self.events / self.span_s if self.span_s > 0 else 0.0


async def drain() -> Drain:
    async with postgres_database() as url:
        kassa = build_container(
            Settings(database_url=url, consumer_in_process=False, fake_gateway_state="memory")
        )
        try:
            deliveries = await _gateway_news(kassa, BACKLOG)
            started_alone = await _consumers(url, 1)  # start-up cost of one, nothing to do
            await _store(kassa, deliveries)
            began = time.monotonic()
            cpu_s = await _consumers(url, CONSUMERS)
            wall = time.monotonic() - began
            rows = await _rows(
                kassa,
                "SELECT status, count(*), min(processed_at), max(processed_at) "
                "FROM webhook_events GROUP BY status",
            )
        finally:
            await kassa.engine().dispose()
    outcomes = {status: count for status, count, _, _ in rows}
    first = min(r[2] for r in rows if r[2] is not None)
    last = max(r[3] for r in rows if r[3] is not None)
    work_cpu = max(cpu_s - CONSUMERS * started_alone, 0.0)
    return Drain(
        len(deliveries),
        wall,
        (last - first).total_seconds(),
        work_cpu * 1000 / len(deliveries),
        outcomes,
    )


async def _gateway_news(kassa: Container, events: int) -> list[SignedDelivery]:
    """Ten events a payment, as the fake gateway says them: the payment itself (3), two
    dashboard refunds (4), a dispute opened and lost (2), a late failure (1)."""
    await kassa.create_tenant().execute(CreateTenantCommand(name="Bench", tenant_id="ten_wh"))
    gateway = kassa.gateway()
    assert isinstance(gateway, FakePaymentGateway)
    console = FakeGatewayConsole(gateway)
    gate = asyncio.Semaphore(8)

    async def pay(n: int) -> None:
        async with gate:
            payment = await kassa.create_payment().execute(
                CreatePaymentCommand(
                    tenant_id="ten_wh", order_id=f"ord_{n}", amount=100_000, currency="usd",
                    capture_method=CaptureMethod.AUTOMATIC, confirm=True,
                    payment_method="pm_card_visa",
                )
            )  # fmt: skip
        intent = payment.gateway_payment_id or ""
        console.refund_from_dashboard(intent, Money(1_000 + n, "USD"))
        console.refund_from_dashboard(intent, Money(20_000 + n, "USD"))
        console.close_dispute(console.open_dispute(intent).id, won=False)
        console.fail_late(intent)

    await asyncio.gather(*(pay(n) for n in range((events + 9) // 10)))
    return console.deliveries(SECRET, kassa.clock().now())[:events]


async def _store(kassa: Container, deliveries: list[SignedDelivery]) -> None:
    """The backlog, straight into the inbox (receipt is measured above)."""
    now = kassa.clock().now()
    for start in range(0, len(deliveries), 500):
        async with kassa.unit_of_work() as uow:
            for d in deliveries[start : start + 500]:
                event = WebhookEvent.receive(
                    id=d.event_id, gateway="fake", type=d.event_type, payload=d.payload, now=now
                )
                await uow.webhooks.add(event)
            await uow.commit()


async def _consumers(url: str, count: int) -> float:
    """Run `count` × `kassa webhooks consume --once` to the end; their CPU seconds."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KASSA_")}
    env |= {"KASSA_DATABASE_URL": url, "KASSA_LOG_LEVEL": "WARNING"}
    args = ["webhooks", "consume", "--once", "--concurrency", str(CONSUMER_CONCURRENCY)]
    before = _children_cpu()
    processes = [await _launch(args, env) for _ in range(count)]
    for process in processes:
        _, err = await process.communicate()
        if process.returncode != 0:
            raise RuntimeError(f"a consumer failed ({process.returncode}): {err.decode()[-2000:]}")
    return _children_cpu() - before


async def _launch(args: list[str], env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        KASSA, *args, cwd=REPO_ROOT, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


async def _rows(kassa: Container, sql: str) -> list[tuple[Any, ...]]:
    async with kassa.engine().connect() as conn:
        return [tuple(row) for row in await conn.execute(text(sql))]


async def _count(url: str, sql: str) -> int:
    kassa = build_container(
        Settings(database_url=url, consumer_in_process=False, fake_gateway_state="memory")
    )
    try:
        ((found,),) = await _rows(kassa, sql)
        return int(str(found))
    finally:
        await kassa.engine().dispose()


# ------------------------------------------------------------------------- report


async def main() -> None:
    plan = LoadPlan.from_env()
    print("== Webhooks: receipt against a bare ORM insert; draining a backlog ==")
    print(f"{plan.describe()}; one uvicorn worker each, PostgreSQL")
    print(f"at start: {load_average()}")
    bare, kassa = await ingest(plan)
    print(format_table([bare, kassa]))
    ratio = kassa.throughput / bare.throughput if bare.throughput else 0.0
    cpu_ratio = bare.cpu_ms.get("server", 0.0) / max(kassa.cpu_ms.get("server", 0.0), 1e-9)
    print(
        f"receipt / bare: {ratio:.2f}× req/s, {cpu_ratio:.2f}× less server CPU a request "
        f"(target ≥ {MIN_RATIO}×) {verdict(ratio >= MIN_RATIO)}"
    )
    print(
        f"receipt: {kassa.throughput:,.0f} events/s "
        f"(target ≥ {MIN_INGEST_PER_S:,.0f}) {verdict(kassa.throughput >= MIN_INGEST_PER_S)}"
    )
    print(f"after receipt: {load_average()}\n")

    print(
        f"Drain: {BACKLOG:,} events, {CONSUMERS} × `kassa webhooks consume --once "
        f"--concurrency {CONSUMER_CONCURRENCY}`"
    )
    result = await drain()
    print(
        f"{'events':>8}  {'wall s':>7}  {'applying s':>10}  {'events/s':>9}  {'CPU ms/event':>12}"
    )
    print(
        f"{result.events:>8}  {result.wall_s:>7.1f}  {result.span_s:>10.1f}  "
        f"{result.rate:>9.1f}  {result.cpu_ms_per_event:>12.2f}"
    )
    shown = ", ".join(f"{n} {status}" for status, n in sorted(result.outcomes.items()))
    print(f"outcomes: {shown}")
    print(
        f"drain: {result.rate:,.0f} events/s with {CONSUMERS} consumers "
        f"(target ≥ {MIN_DRAIN_PER_S:,.0f}) {verdict(result.rate >= MIN_DRAIN_PER_S)}"
    )
    print(f"at the end: {load_average()}")


if __name__ == "__main__":
    run_main(main)
