"""The webhook consumer (SPEC §6): workers claim due inbox events under a lease and apply
them, wake as soon as events arrive, reconcile payments now and then, and stop cleanly.
It runs as `kassa webhooks consume`, or inside `kassa serve` (KASSA_CONSUMER_IN_PROCESS)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Protocol

from adapters.observability.metrics import webhook_events_processed
from domain.webhook_event import WebhookStatus
from entrypoints.background_tasks import stop_worker
from entrypoints.log_context import log_context

if TYPE_CHECKING:
    from litestar import Litestar

    from application.webhooks.consumer import WebhookConsumer
    from entrypoints.container import Container

log = logging.getLogger("kassa.consumer")

# Events one worker leases and applies in one transaction. 50 rather than 10: the claim,
# BEGIN/COMMIT, the payments' lock and the done-mark are shared by more events, and a
# payment's several events in one batch are saved once (drain of 900 events, 2 consumers,
# machine loaded: ~800 → ~1,800 events/s). A batch holds its payments' row locks for its
# few tens of milliseconds; the lease (60 s) is far away.
BATCH = 50
DEFAULT_CONCURRENCY = 2
IDLE_POLL_S = 0.2  # when new events may arrive without ringing this process
SAFETY_POLL_S = 1.0  # when they always ring: polling only finds retries and expired leases
RECONCILE_EVERY_S = 300.0
STOP_GRACE_S = 10.0
_LONGEST_PAUSE_S = 30.0


class InboxWakeup(Protocol):
    """Rung when events are stored (adapters.persistence.inbox_wakeup)."""

    crosses_processes: bool

    @property
    def generation(self) -> int: ...

    async def start(self, listen: bool) -> None: ...

    def ring(self) -> None: ...

    def wake_here(self) -> None: ...

    async def wait(self, since: int, at_most: float) -> None: ...

    async def close(self) -> None: ...


class Tally(Counter[str]):
    """Events handled by outcome; `lost` counts leases another consumer took over."""

    def record(self, outcome: WebhookStatus | None) -> None:
        self[outcome.value if outcome is not None else "lost"] += 1

    def summary(self) -> str:
        if not self:
            return "no events"
        return ", ".join(f"{n} {outcome}" for outcome, n in sorted(self.items()))


class ConsumerRunner:
    """`concurrency` workers, each leasing up to `batch` due events and applying them one
    by one; `reconcile_every` seconds (None: never) a reconciliation fixes drift."""

    def __init__(
        self,
        container: Container,
        wakeup: InboxWakeup,
        *,
        concurrency: int = DEFAULT_CONCURRENCY,
        batch: int = BATCH,
        poll_seconds: float = IDLE_POLL_S,
        reconcile_every: float | None = RECONCILE_EVERY_S,
    ) -> None:
        if concurrency < 1 or batch < 1:
            raise ValueError("concurrency and batch are at least 1")
        self._container = container
        self._wakeup = wakeup
        self._concurrency = concurrency
        self._batch = batch
        self._poll = poll_seconds
        self._reconcile_every = reconcile_every
        self._stopping = False
        self._stopped: asyncio.Event | None = None
        self.tally = Tally()

    def stop(self) -> None:
        """Finish the events in hand, then return from `run` (safe from a signal handler)."""
        self._stopping = True
        if self._stopped is not None:
            self._stopped.set()
        self._wakeup.wake_here()

    async def run(self) -> Tally:
        """Consume until `stop()`."""
        self._stopped = asyncio.Event()
        if self._stopping:
            self._stopped.set()
        consumer = self._container.webhook_consumer()
        workers = [self._work(consumer, until_empty=False) for _ in range(self._concurrency)]
        if self._reconcile_every is not None:
            workers.append(self._reconcile_now_and_then(self._reconcile_every))
        await asyncio.gather(*workers)
        return self.tally

    async def drain(self) -> Tally:
        """Consume until no event is due (`--once`)."""
        consumer = self._container.webhook_consumer()
        await asyncio.gather(
            *(self._work(consumer, until_empty=True) for _ in range(self._concurrency))
        )
        return self.tally

    async def _work(self, consumer: WebhookConsumer, until_empty: bool) -> None:
        failures = 0
        while not self._stopping:
            seen = self._wakeup.generation
            try:
                claimed = await consumer.claim(self._batch)
                # the whole batch, even when stopping: it is leased
                outcomes = await consumer.process_all(claimed)
                for event, outcome in zip(claimed, outcomes, strict=True):
                    with log_context(event_id=event.id):
                        log.info(
                            "Webhook event %s: %s",
                            event.type,
                            outcome or "lease lost",
                            extra={"gateway": event.gateway, "attempts": event.attempts},
                        )
                    self.tally.record(outcome)
                    webhook_events_processed.labels(outcome or "lost").inc()
            except Exception:  # the database is away, say: back off, the leases expire
                if until_empty:
                    raise  # `--once` reports the failure rather than waiting it out
                failures += 1
                pause = min(2.0**failures, _LONGEST_PAUSE_S)
                log.exception("Webhook consumer failed; trying again in %g s", pause)
                await self._wakeup.wait(self._wakeup.generation, pause)
                continue
            failures = 0
            if claimed:
                continue
            if until_empty:
                return
            await self._wakeup.wait(seen, self._poll)

    async def _reconcile_now_and_then(self, every: float) -> None:
        assert self._stopped is not None
        while not self._stopping:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopped.wait(), every)
            if self._stopping:
                return
            try:
                drifts = await self._container.reconcile_payments().execute(fix=True)
            except Exception:
                log.exception("Reconciliation failed; trying again in %g s", every)
                continue
            if drifts:
                log.info("Reconciliation settled %d drift(s)", len(drifts))


@asynccontextmanager
async def webhook_consumer_lifespan(app: Litestar) -> AsyncIterator[None]:
    """The app's wake-up (rung on receipt) and, when KASSA_CONSUMER_IN_PROCESS is on, a
    consumer as a background task of the server, stopped before the engine is disposed."""
    container: Container = app.state.container
    in_process = container.settings().consumer_in_process
    wakeup: InboxWakeup = container.inbox_wakeup()
    await wakeup.start(listen=in_process)
    app.state.inbox_wakeup = wakeup
    runner: ConsumerRunner | None = None
    task: asyncio.Task[Tally] | None = None
    if in_process:
        # Every event stored here rings at once, so polling only finds retries and leases.
        runner = ConsumerRunner(container, wakeup, poll_seconds=SAFETY_POLL_S)
        task = asyncio.create_task(runner.run(), name="kassa-webhook-consumer")
    try:
        yield
    finally:
        if runner is not None and task is not None:
            await stop_worker(
                runner.stop, task, grace_s=STOP_GRACE_S, log=log, name="webhook consumer"
            )
        await wakeup.close()
