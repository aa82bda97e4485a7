"""The webhooks part: receipt (`POST /api/v1/webhooks/fake`) against a bare one-insert
endpoint, then the drain rate of two consumer processes with a small and a big backlog.

Targets (issue 13): with one uvicorn worker on PostgreSQL, receipt reaches at least 1.5×
the bare endpoint's throughput and 1,500 events/s; two `kassa webhooks consume`
processes apply at least 1,500 events/s, as fast (within 20 %) with 100,000 events
pending as with 1,000: the same first 1,000 events are timed in both, the big backlog
filled behind them by SQL (generate_series), not HTTP. A drain of 1,000 takes a quarter
of a second, so one hiccup moved a single drain's rate by 30 %: the backlogs take turns,
DRAIN_ROUNDS times, and each is judged by its median. Misses are printed, not raised.
`python -m tests.perf.webhook_bench` (KASSA_BENCH_BACKLOGS="1000,100000",
KASSA_BENCH_DRAIN_EVENTS and KASSA_BENCH_DRAIN_ROUNDS change the backlogs, the events timed
and the rounds).
"""

from __future__ import annotations

import asyncio
import os
import signal
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text

from adapters.gateways.fake import FakePaymentGateway
from adapters.gateways.fake_console import FakeGatewayConsole
from adapters.gateways.fake_events import SignedDelivery
from adapters.gateways.stripe_signature import sign
from adapters.persistence.inbox_wakeup import CHANNEL as WAKEUP_CHANNEL
from application.payments.create_payment import CreatePaymentCommand
from application.tenants.create_tenant import CreateTenantCommand
from domain.capture_method import CaptureMethod
from domain.money import Money
from domain.webhook_event import WebhookEvent, WebhookStatus
from entrypoints.container import Container, build_container
from entrypoints.settings import Settings
from tests.perf.bare_app import create_bare_table
from tests.perf.harness import (
    REPO_ROOT,
    BenchError,
    Call,
    LoadPlan,
    LoadResult,
    MakeCall,
    cpu_probe,
    cpu_seconds,
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
MIN_DRAIN_PER_S = 1_500.0
MAX_DRAIN_SPREAD = 0.20  # the rate with the big backlog within 20 % of the small one's
BACKLOGS = tuple(
    int(n) for n in (os.environ.get("KASSA_BENCH_BACKLOGS", "") or "1000,100000").split(",")
)
MEASURED = int(os.environ.get("KASSA_BENCH_DRAIN_EVENTS", "") or 1_000)  # ≤ smallest backlog
DRAIN_ROUNDS = int(os.environ.get("KASSA_BENCH_DRAIN_ROUNDS", "") or 3)
DRAIN_MAX_S = 60.0
CONSUMERS = 2
CONSUMER_CONCURRENCY = int(os.environ.get("KASSA_BENCH_CONSUMER_CONCURRENCY", "") or 2)
CONSUMER_BATCH = os.environ.get("KASSA_BENCH_CONSUMER_BATCH", "")  # default: the consumer's
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
    """Two consumers applying the same `measured` events, the first in claim order, with
    `backlog` events pending in all (the rest wait behind them)."""

    backlog: int
    measured: int
    span_s: float  # first measured event begun to the last applied (start-up excluded)
    cpu_ms_per_event: float  # the consumers' CPU from the events coming due to all applied
    outcomes: dict[str, int]  # of the measured events

    @property
    def rate(self) -> float:
        return self.measured / self.span_s if self.span_s > 0 else 0.0


async def drain(backlog: int) -> Drain:
    """MEASURED events of real news (the fake gateway's, ten a payment) stored first; the
    backlog filled up to `backlog` with copies of them behind, by one INSERT … SELECT
    over generate_series (seconds for 100,000, no HTTP), all parked an hour ahead. Two
    `kassa webhooks consume` start; once both are up the measured events come due, and
    they run until those are applied, then are stopped."""
    async with postgres_database() as url:
        kassa = build_container(
            Settings(database_url=url, consumer_in_process=False, fake_gateway_state="memory")
        )
        try:
            deliveries = await _gateway_news(kassa, MEASURED)
            waiting = await _store(kassa, deliveries)
            pending = len(waiting)
            await _park(kassa, "+")  # not due until both consumers are up (see _consumers)
            await _fill_backlog(kassa, backlog - pending)
            cpu_s = await _consumers(url, CONSUMERS, kassa, waiting)
            rows = await _rows(
                kassa,
                "SELECT status, processed_at FROM webhook_events"
                f" WHERE {_APPLIED} ORDER BY processed_at",
            )
        finally:
            await kassa.engine().dispose()
    measured = rows[:pending]
    outcomes = dict(Counter(str(status) for status, _ in measured))
    # From the first batch's start (its processed_at: a batch is stamped when it begins)
    # to the moment the last one was seen committed.
    first, last = measured[0][1], _APPLIED_ALL[-1]
    assert isinstance(first, datetime)
    return Drain(
        backlog, len(measured), (last - first).total_seconds(),
        cpu_s * 1000 / max(len(rows), 1), outcomes,
    )  # fmt: skip


async def _fill_backlog(kassa: Container, extra: int) -> None:
    """`extra` copies of the stored events (new ids, due just after them), settled."""
    if extra <= 0:
        return
    async with kassa.engine().begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO webhook_events (id, gateway, type, payload, status, attempts,"
                " next_attempt_at, received_at, version)"
                " SELECT e.id || '_copy' || g, e.gateway, e.type, e.payload, 'pending', 0,"
                " e.next_attempt_at + g * interval '1 ms', e.received_at + g * interval '1 ms', 0"
                " FROM webhook_events AS e CROSS JOIN generate_series(1, :copies) AS g"
                " WHERE e.status = 'pending' LIMIT :extra"
            ),
            {"copies": extra // MEASURED + 2, "extra": extra},
        )
    # Settled before the clock starts: hint bits set and statistics taken (VACUUM), the
    # ~130 MB of WAL and dirty pages of the fill written out (CHECKPOINT), rather than
    # flushed while the consumers are timed.
    settle = kassa.engine().execution_options(isolation_level="AUTOCOMMIT")
    async with settle.connect() as conn:
        await conn.execute(text("VACUUM (ANALYZE) webhook_events"))
        await conn.execute(text("CHECKPOINT"))


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


async def _store(kassa: Container, deliveries: list[SignedDelivery]) -> list[str]:
    """The news, straight into the inbox as receipt stores it (receipt is measured
    above): types that change nothing already done. The ids left pending."""
    now = kassa.clock().now()
    kind = kassa.gateway_events().kind
    pending: list[str] = []
    for start in range(0, len(deliveries), 500):
        async with kassa.unit_of_work() as uow:
            for d in deliveries[start : start + 500]:
                event = WebhookEvent.receive(
                    id=d.event_id, gateway="fake", type=d.event_type, payload=d.payload,
                    now=now, kind=kind(d.event_type),
                )  # fmt: skip
                if event.status is WebhookStatus.PENDING:
                    pending.append(event.id)
                await uow.webhooks.add(event)
            await uow.commit()
    return pending


async def _consumers(url: str, count: int, kassa: Container, ids: list[str]) -> float:
    """`count` × `kassa webhooks consume` until the events `ids` are applied, then SIGTERM.
    The CPU seconds they spent from the moment the events came due (start-up left out)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KASSA_")}
    env |= {"KASSA_DATABASE_URL": url, "KASSA_LOG_LEVEL": "WARNING"}
    args = ["webhooks", "consume", "--concurrency", str(CONSUMER_CONCURRENCY)]
    args += ["--batch", CONSUMER_BATCH] if CONSUMER_BATCH else []
    args += ["--reconcile-every", "0"]
    processes = [await _launch(args, env) for _ in range(count)]
    # Both up (a start-up takes seconds, a drain of 1,000 under one), then the measured
    # events come due at once and the consumers are rung: they drain them together.
    for process in processes:
        await asyncio.wait_for(_said_ready(process), DRAIN_MAX_S)
    pids = [process.pid for process in processes]
    before = sum(cpu_seconds(pids).values())
    await _park(kassa, "-", ids)
    _APPLIED_ALL.append(await _wait_applied(kassa, ids))
    spent = sum(cpu_seconds(pids).values()) - before
    for process in processes:
        process.send_signal(signal.SIGTERM)
    for process in processes:
        _, err = await process.communicate()
        if process.returncode != 0:
            raise RuntimeError(f"a consumer failed ({process.returncode}): {err.decode()[-2000:]}")
    return spent


_APPLIED = "processed_at IS NOT NULL AND attempts > 0"  # not those settled on receipt
_APPLIED_ALL: list[datetime] = []  # when each timed drain saw its events all applied


async def _wait_applied(kassa: Container, ids: list[str]) -> datetime:
    """When the events were all applied (seen within 10 ms). Polled by primary key:
    counting over the whole inbox 100 times a second would load PostgreSQL in proportion
    to the backlog, and so bias the very figure measured."""
    applied = text(
        "SELECT count(*) FROM webhook_events"
        " WHERE id = ANY(:ids) AND gateway = 'fake' AND attempts > 0"
    )
    deadline = time.monotonic() + DRAIN_MAX_S
    async with kassa.engine().connect() as conn:
        while time.monotonic() < deadline:
            if (await conn.scalar(applied, {"ids": ids})) >= len(ids):
                return datetime.now(UTC)
            await conn.rollback()
            await asyncio.sleep(0.01)
    raise BenchError(f"the consumers did not apply {len(ids)} events in {DRAIN_MAX_S:g} s")


async def _park(kassa: Container, sign: str, ids: list[str] | None = None) -> None:
    """Move the pending events (or `ids`) an hour later ("+") or back ("-"), and ring the
    consumers. Parked events stay pending, in the claim's index behind the due ones."""
    which = "id = ANY(:ids) AND gateway = 'fake'" if ids is not None else "status = 'pending'"
    async with kassa.engine().begin() as conn:
        await conn.execute(
            text(
                f"UPDATE webhook_events SET next_attempt_at = next_attempt_at {sign}"
                f" interval '1 hour' WHERE {which}"
            ),
            {"ids": ids} if ids is not None else {},
        )
        await conn.execute(text(f"NOTIFY {WAKEUP_CHANNEL}"))


async def _said_ready(process: asyncio.subprocess.Process) -> None:
    assert process.stderr is not None
    while b"SIGTERM or Ctrl-C stops" not in await process.stderr.readline():
        if process.stderr.at_eof():
            return  # it ended: communicate() reports how


async def _launch(args: list[str], env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        KASSA, *args, cwd=REPO_ROOT, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip


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
        f"Drain: the first {MEASURED:,} events (real news, 10 a payment) of a backlog, by "
        f"{CONSUMERS} × `kassa webhooks consume --concurrency {CONSUMER_CONCURRENCY}`"
    )
    print(
        f"{'backlog':>8}  {'events':>7}  {'applying s':>10}  {'events/s':>9}  {'CPU ms/event':>12}"
    )
    rates: dict[int, list[float]] = {backlog: [] for backlog in BACKLOGS}
    for _ in range(DRAIN_ROUNDS):  # in turns: the machine's drift falls on every backlog
        for backlog in BACKLOGS:
            result = await drain(max(backlog, MEASURED))
            rates[backlog].append(result.rate)
            shown = ", ".join(f"{n} {status}" for status, n in sorted(result.outcomes.items()))
            print(
                f"{result.backlog:>8}  {result.measured:>7}  {result.span_s:>10.2f}  "
                f"{result.rate:>9.1f}  {result.cpu_ms_per_event:>12.2f}  "
                f"({shown}; {load_average()})"
            )
    medians = {backlog: statistics.median(found) for backlog, found in rates.items()}
    slowest, fastest = min(medians.values()), max(medians.values())
    spread = 1 - slowest / fastest if fastest else 1.0
    each = ", ".join(f"{backlog:,}: {rate:,.0f}" for backlog, rate in medians.items())
    print(
        f"drain: medians of {DRAIN_ROUNDS} rounds {each} events/s with {CONSUMERS} consumers "
        f"(target ≥ {MIN_DRAIN_PER_S:,.0f}) {verdict(slowest >= MIN_DRAIN_PER_S)}"
    )
    small, big = medians[BACKLOGS[0]], medians[BACKLOGS[-1]]
    print(
        f"drain, backlog {BACKLOGS[0]:,} against {BACKLOGS[-1]:,}: ratio of medians "
        f"{big / small if small else 0:.2f} (within {MAX_DRAIN_SPREAD:.0%}) "
        f"{verdict(spread <= MAX_DRAIN_SPREAD)}"
    )
    print(f"at the end: {load_average()}")


if __name__ == "__main__":
    run_main(main)
