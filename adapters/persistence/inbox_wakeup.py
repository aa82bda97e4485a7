"""Waking idle webhook consumers when events arrive: within one process by an asyncio
signal, across processes by PostgreSQL LISTEN/NOTIFY. A wake-up only saves waiting: the
inbox table is the truth, and consumers still poll for retries and expired leases."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

from adapters.persistence.listening_connection import (
    RECONNECT_AFTER_S,
    close_quietly,
    libpq_dsn,
    open_listening_connection,
)

log = logging.getLogger("kassa.consumer")

CHANNEL = "kassa_webhook_inbox"
NOTIFY_INTERVAL_S = 0.01  # at most ~100 NOTIFYs a second, however fast events arrive


class LocalInboxWakeup:
    """Wakes this process's waiting consumers. `generation` counts the rings, so a worker
    that saw generation g before finding the inbox empty never sleeps through a ring."""

    crosses_processes = False

    def __init__(self) -> None:
        self._generation = 0
        self._rung: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None  # where the waiters wait

    @property
    def generation(self) -> int:
        return self._generation

    async def start(self, listen: bool) -> None:
        """Nothing to connect in one process."""

    def ring(self) -> None:
        """New events were stored."""
        self.wake_here()

    def wake_here(self) -> None:
        self._generation += 1
        rung, self._rung = self._rung, None
        if rung is not None:
            _in_loop(self._loop, rung.set)

    async def wait(self, since: int, at_most: float) -> None:
        """Return at the first ring after generation `since`, or after `at_most` seconds."""
        if self._generation != since:
            return
        if self._rung is None:
            self._rung = asyncio.Event()
            self._loop = asyncio.get_running_loop()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(at_most):
                await self._rung.wait()

    async def close(self) -> None:
        self.wake_here()


class PostgresInboxWakeup(LocalInboxWakeup):
    """Also tells consumers in other processes, over one connection of its own: a ring
    marks a NOTIFY as due and a background task sends it, coalescing bursts, so receipt
    (the hot path) never waits on it. Listening wakes this process on others' rings."""

    crosses_processes = True

    def __init__(self, database_url: str) -> None:
        super().__init__()
        self._dsn = libpq_dsn(database_url)
        self._listen = False
        self._conn: Any = None  # asyncpg.Connection while connected
        self._due = asyncio.Event()
        self._notifier_loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self, listen: bool) -> None:
        self._listen = listen
        self._notifier_loop = asyncio.get_running_loop()
        self._task = asyncio.create_task(self._keep_connected(), name="kassa-inbox-wakeup")

    def ring(self) -> None:
        self.wake_here()
        if self._conn is not None:
            _in_loop(self._notifier_loop, self._due.set)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await super().close()

    def _heard(self, *_: object) -> None:
        self.wake_here()

    async def _keep_connected(self) -> None:
        while True:
            try:
                await self._connect()
                await self._notify_while_connected()
            except asyncio.CancelledError:
                await self._disconnect()
                raise
            except Exception as exc:  # the database is away: poll until it is back
                log.warning(
                    "Consumer wake-ups are off (%s); retrying in %g s", exc, RECONNECT_AFTER_S
                )
            await self._disconnect()
            await asyncio.sleep(RECONNECT_AFTER_S)

    async def _connect(self) -> None:
        self._conn = await open_listening_connection(self._dsn)
        if self._listen:
            await self._conn.add_listener(CHANNEL, self._heard)
        self.wake_here()  # events may have come while no one was listening

    async def _notify_while_connected(self) -> None:
        while not self._conn.is_closed():
            try:
                # asyncio.timeout, not wait_for: on Python 3.11 a wait_for whose event is set
                # as the task is cancelled swallows the cancellation, and close() then waits
                # for this loop forever (seen: a test client's shutdown hung on it).
                async with asyncio.timeout(RECONNECT_AFTER_S):
                    await self._due.wait()
            except TimeoutError:
                continue
            self._due.clear()
            await self._conn.execute(f"NOTIFY {CHANNEL}")
            await asyncio.sleep(NOTIFY_INTERVAL_S)
        raise ConnectionError("the wake-up connection closed")

    async def _disconnect(self) -> None:
        conn, self._conn = self._conn, None
        await close_quietly(conn)


def _in_loop(loop: asyncio.AbstractEventLoop | None, call: Callable[[], None]) -> None:
    """Call at once from within `loop`; from another thread, hand the call to `loop`
    (an app's lifespan and its requests may run on different loops in a test client)."""
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if loop is None or running is loop or loop.is_closed():
        call()
    else:
        loop.call_soon_threadsafe(call)


def inbox_wakeup_for(database_url: str) -> LocalInboxWakeup:
    """LISTEN/NOTIFY on PostgreSQL; elsewhere (SQLite, memory) this process only."""
    if database_url.startswith("postgres"):
        return PostgresInboxWakeup(database_url)
    return LocalInboxWakeup()
