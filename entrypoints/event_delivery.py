"""The merchant event delivery worker (SPEC §14): fans new events out to endpoints, POSTs
the due deliveries, purges events past 30 days. Inside `kassa serve` (unless
KASSA_EVENT_DELIVERY_IN_PROCESS is off) and as `kassa events deliver`, any number at once."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from entrypoints.background_tasks import stop_worker

if TYPE_CHECKING:
    from litestar import Litestar

    from application.events.deliver import DeliverEvents
    from entrypoints.container import Container

log = logging.getLogger("kassa.events")

BATCH = 20  # deliveries one worker leases at a time, sent concurrently
DISPATCH_BATCH = 100
POLL_S = 0.5
PURGE_EVERY_S = 3600.0
STOP_GRACE_S = 15.0
_LONGEST_PAUSE_S = 30.0


class EventDeliveryRunner:
    def __init__(
        self,
        container: Container,
        *,
        batch: int = BATCH,
        poll_seconds: float = POLL_S,
        purge_every: float | None = PURGE_EVERY_S,
    ) -> None:
        self._container = container
        self._batch = batch
        self._poll = poll_seconds
        self._purge_every = purge_every
        self._stopping = asyncio.Event()
        self.tally: Counter[str] = Counter()

    def stop(self) -> None:
        """Finish the deliveries in hand, then return (safe from a signal handler)."""
        self._stopping.set()

    async def run(self, until_empty: bool = False) -> Counter[str]:
        deliver = self._container.deliver_events()
        failures = 0
        last_purge = 0.0
        while not self._stopping.is_set():
            try:
                if (
                    self._purge_every is not None
                    and time.monotonic() - last_purge > self._purge_every
                ):
                    last_purge = time.monotonic()
                    if purged := await deliver.purge():
                        log.info("Purged %d merchant events older than 30 days", purged)
                busy = await self._round(deliver)
            except Exception:  # the database is away, say: back off, the leases expire
                if until_empty:
                    raise
                failures += 1
                pause = min(2.0**failures, _LONGEST_PAUSE_S)
                log.exception("Event delivery failed; trying again in %g s", pause)
                await self._pause(pause)
                continue
            failures = 0
            if busy:
                continue
            if until_empty:
                break
            await self._pause(self._poll)
        return self.tally

    async def _round(self, deliver: DeliverEvents) -> bool:
        dispatched = await deliver.dispatch(DISPATCH_BATCH)
        claimed = await deliver.claim(self._batch)
        outcomes = await asyncio.gather(*(deliver.deliver(d) for d in claimed))
        for outcome in outcomes:
            self.tally[outcome.value if outcome is not None else "lost"] += 1
        return bool(dispatched or claimed)

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)


@asynccontextmanager
async def event_delivery_lifespan(app: Litestar) -> AsyncIterator[None]:
    container: Container = app.state.container
    settings = container.settings()
    if not (settings.consumer_in_process and settings.event_delivery_in_process):
        yield
        return
    runner = EventDeliveryRunner(container)
    task = asyncio.create_task(runner.run(), name="kassa-event-delivery")
    try:
        yield
    finally:
        await stop_worker(
            runner.stop, task, grace_s=STOP_GRACE_S, log=log, name="event delivery worker"
        )
        await container.webhook_sender().aclose()
