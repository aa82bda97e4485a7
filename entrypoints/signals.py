"""Running a standalone worker (`kassa webhooks consume`, `kassa events deliver`) until
SIGTERM or SIGINT asks it to stop."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable, Callable
from typing import TypeVar

from entrypoints.serving_heap import serving_heap

T = TypeVar("T")


async def run_until_signalled(
    stop: Callable[[], None], work: Awaitable[T], ready: Callable[[], None] | None = None
) -> T:
    """`work` until SIGTERM or SIGINT calls `stop`, which lets it finish what it holds
    first. `ready` is called once the signals are handled: from then on SIGTERM stops the
    work cleanly. Meanwhile what start-up made is out of the collector's sight
    and the young generation collected less often (`serving_heap`, as in the HTTP app
    once started)."""
    loop = asyncio.get_running_loop()
    signals = (signal.SIGTERM, signal.SIGINT)
    for signum in signals:
        loop.add_signal_handler(signum, stop)
    if ready is not None:
        ready()
    try:
        with serving_heap():
            return await work
    finally:
        for signum in signals:
            loop.remove_signal_handler(signum)
