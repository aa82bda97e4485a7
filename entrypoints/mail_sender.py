"""The mail sender loop: inside `kassa serve` (with the in-process consumer, when
KASSA_CONSUMER_IN_PROCESS is on) and once as `kassa mail send`, it sends what the outbox holds."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from litestar import Litestar

    from entrypoints.container import Container

log = logging.getLogger("kassa.mail")

POLL_S = 2.0
STOP_GRACE_S = 5.0


class MailSenderLoop:
    def __init__(self, container: Container, poll_seconds: float = POLL_S) -> None:
        self._container = container
        self._poll = poll_seconds
        self._stopping = asyncio.Event()

    def stop(self) -> None:
        self._stopping.set()

    async def run(self) -> None:
        while not self._stopping.is_set():
            try:
                await self._container.send_outbox_mail().execute()
            except Exception:  # a store outage: keep the loop, try again next round
                log.exception("The mail sender's round failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self._poll)


@asynccontextmanager
async def mail_sender_lifespan(app: Litestar) -> AsyncIterator[None]:
    container: Container = app.state.container
    if not container.settings().consumer_in_process:
        yield
        return
    loop = MailSenderLoop(container)
    task = asyncio.create_task(loop.run(), name="kassa-mail-sender")
    try:
        yield
    finally:
        loop.stop()
        try:
            await asyncio.wait_for(task, STOP_GRACE_S)
        except TimeoutError:
            log.warning("The mail sender did not stop within %g s", STOP_GRACE_S)
