"""The merchant events part: how many events one delivery worker sends a second.

A backlog of `payment.succeeded` events (KASSA_BENCH_EVENTS, 3,000 by default, each the
body Kassa wrote for a real charge, about 1.5 kB) waits in the outbox of a PostgreSQL
database for one endpoint; one `kassa events deliver --once` process fans them out and
POSTs them, signed, to a receiver on this machine that answers 200 at once. The rate is
taken between the first and the last request the receiver hears (the process's start-up
left out), and the worker's CPU time per event is shown. No target is set by the issue:
the figure is printed, with the load average, which on a shared machine moves it a lot.
`python -m tests.perf.events_bench`.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text

from application.payments.create_payment import CreatePaymentCommand
from application.ports.repositories import PageRequest
from application.tenants.create_tenant import CreateTenantCommand
from domain.capture_method import CaptureMethod
from domain.merchant_event import MerchantEvent
from entrypoints.container import Container, build_container
from entrypoints.settings import Settings
from tests.perf.harness import REPO_ROOT, load_average, postgres_database, run_main
from tests.support.webhook_receiver import WebhookReceiver

EVENTS = int(os.environ.get("KASSA_BENCH_EVENTS", "") or 3_000)
TENANT = "ten_events"
KASSA = str(Path(sys.executable).with_name("kassa"))
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class DeliveryRun:
    events: int
    heard: int
    wall_s: float  # the worker process, start-up included
    span_s: float  # first to last request heard
    cpu_ms_per_event: float
    delivered: int  # deliveries the database holds as delivered

    @property
    def rate(self) -> float:
        return self.heard / self.span_s if self.span_s else 0.0


def _container(url: str) -> Container:
    return build_container(
        Settings(database_url=url, consumer_in_process=False, fake_gateway_state="memory")
    )


async def _backlog(kassa: Container, url: str, events: int) -> None:
    """The tenant, its endpoint, and `events` copies of a real `payment.succeeded`
    (new ids) in the outbox, not yet fanned out."""
    await kassa.create_tenant().execute(CreateTenantCommand(name="Events", tenant_id=TENANT))
    await kassa.webhook_endpoints().create(TENANT, url, ["payment.succeeded"])
    await kassa.create_payment().execute(
        CreatePaymentCommand(
            tenant_id=TENANT, order_id="ord_events", amount=100_000, currency="usd",
            capture_method=CaptureMethod.AUTOMATIC, confirm=True, payment_method="pm_card_visa",
        )
    )  # fmt: skip
    async with kassa.unit_of_work() as uow:
        page = await uow.merchant_events.list(TENANT, "payment.succeeded", EPOCH, PageRequest(1))
        template = page.data[0]
    async with kassa.engine().begin() as conn:
        await conn.execute(text("DELETE FROM merchant_events"))
    ids = kassa.ids()
    for start in range(0, events, 500):
        batch = []
        for _ in range(start, min(start + 500, events)):
            event_id = ids.new("evt")
            body = json.loads(template.body) | {"id": event_id}
            batch.append(
                MerchantEvent(
                    id=event_id,
                    tenant_id=TENANT,
                    type=template.type,
                    created_at=template.created_at,
                    body=json.dumps(body, separators=(",", ":")),
                )
            )
        async with kassa.unit_of_work() as uow:
            await uow.merchant_events.add_many(batch)
            await uow.commit()


async def deliver(events: int) -> DeliveryRun:
    """The backlog, then one `kassa events deliver --once` until it is all sent."""
    receiver = WebhookReceiver()
    await receiver.up()
    try:
        async with postgres_database() as url:
            kassa = _container(url)
            try:
                await _backlog(kassa, receiver.url, events)
                env = {k: v for k, v in os.environ.items() if not k.startswith("KASSA_")}
                env |= {"KASSA_DATABASE_URL": url, "KASSA_LOG_LEVEL": "WARNING"}
                before = _children_cpu()
                started = time.monotonic()
                worker = await asyncio.create_subprocess_exec(
                    KASSA, "events", "deliver", "--once", cwd=REPO_ROOT, env=env,
                    stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
                )  # fmt: skip
                _, err = await worker.communicate()
                wall = time.monotonic() - started
                if worker.returncode != 0:
                    raise RuntimeError(f"the worker failed: {err.decode()[-2000:]}")
                cpu = _children_cpu() - before
                async with kassa.engine().connect() as conn:
                    delivered = await conn.scalar(
                        text("SELECT count(*) FROM event_deliveries WHERE status = 'delivered'")
                    )
            finally:
                await kassa.engine().dispose()
    finally:
        await receiver.down()
    heard = receiver.heard
    span = heard[-1].at - heard[0].at if len(heard) > 1 else 0.0
    return DeliveryRun(
        events=events,
        heard=len(heard),
        wall_s=wall,
        span_s=span,
        cpu_ms_per_event=cpu * 1000 / max(len(heard), 1),
        delivered=int(delivered or 0),
    )


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


async def main() -> None:
    print("== Merchant events: one delivery worker to a local receiver ==")
    print(f"{EVENTS:,} payment.succeeded events, one endpoint, PostgreSQL; {load_average()}")
    run = await deliver(EVENTS)
    print(
        f"{'events':>8}  {'heard':>8}  {'wall s':>7}  {'sending s':>9}  {'events/s':>9}  "
        f"{'worker CPU ms/event':>19}"
    )
    print(
        f"{run.events:>8}  {run.heard:>8}  {run.wall_s:>7.1f}  {run.span_s:>9.1f}  "
        f"{run.rate:>9.1f}  {run.cpu_ms_per_event:>19.2f}"
    )
    if run.delivered != run.events or run.heard != run.events:
        raise RuntimeError(
            f"{run.events} events, {run.heard} heard, {run.delivered} recorded as delivered"
        )
    print(f"one worker: {run.rate:,.0f} events/s delivered; at the end: {load_average()}")


if __name__ == "__main__":
    run_main(main)
