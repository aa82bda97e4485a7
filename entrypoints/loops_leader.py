"""One worker per `kassa serve` runs the background loops (webhook consumer, merchant-event
delivery, mail, and the fake gateway's delivery when its books are shared).

`kassa serve --workers N` names a lock file (KASSA_LOOPS_LOCK) that every worker tries to
lock (`flock`, exclusive, not waiting) as it starts: the one that gets it runs the loops,
the others serve HTTP only. The kernel releases the lock when its holder exits however it
dies, and uvicorn replaces a dead worker, whose replacement then takes the free lock. The
loops are safe to run more than once anyway (leases, SKIP LOCKED): this is about not
multiplying their polling and connections by N. Without KASSA_LOOPS_LOCK (one worker, or
a server started otherwise) the process runs the loops as its settings say.
"""

from __future__ import annotations

import fcntl
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import IO

from dependency_injector import providers
from litestar import Litestar
from msgspec.structs import replace

from entrypoints.container import Container
from entrypoints.settings import Settings

log = logging.getLogger("kassa.serve")


def try_lock(path: str) -> IO[bytes] | None:
    """The lock file, locked by this open file, or None if another holds it."""
    handle = open(path, "ab")  # noqa: SIM115 - kept open while the lock is held
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    return handle


def follower_settings(settings: Settings) -> Settings:
    """What a worker that does not lead runs with: no loop of its own."""
    shared_fake_books = settings.fake_gateway_books == "database"
    return replace(
        settings,
        consumer_in_process=False,
        event_delivery_in_process=False,
        fake_webhook_delivery=settings.fake_webhook_delivery and not shared_fake_books,
    )


@asynccontextmanager
async def loops_leader_lifespan(app: Litestar) -> AsyncIterator[None]:
    """Before the loops' lifespans: lead (keep the settings) or follow (turn the loops off)."""
    container: Container = app.state.container
    settings = container.settings()
    held = try_lock(settings.loops_lock) if settings.loops_lock else None
    if settings.loops_lock:
        if held is not None:
            log.info("Background loops run in this worker (pid %d)", os.getpid())
        else:
            log.info("Background loops run in another worker (pid %d serves only)", os.getpid())
            container.settings.override(providers.Object(follower_settings(settings)))
    try:
        yield
    finally:
        if held is not None:
            held.close()  # releases the lock
