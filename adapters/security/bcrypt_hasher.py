"""bcrypt for portal token verifiers, run on a small thread pool off the event loop."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import TypeVar

import bcrypt

from adapters.observability.metrics import bcrypt_queue

R = TypeVar("R")

_waiting, _running = bcrypt_queue.labels("waiting"), bcrypt_queue.labels("running")


class _QueuedCheck:
    """One check's place in the queue (`kassa_bcrypt_queue_depth`): it leaves the queue
    once, when a thread takes it or when its caller gives up first (a cancelled request),
    whichever comes first."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queued = True
        _waiting.inc()

    def leave(self) -> None:
        with self._lock:
            if not self._queued:
                return
            self._queued = False
        _waiting.dec()

    def run(self, call: Callable[[], R]) -> R:
        self.leave()
        _running.inc()
        try:
            return call()
        finally:
            _running.dec()


class BcryptTokenHasher:
    """`max_workers` bounds how many bcrypt checks run at once, so a burst of cold
    checks cannot take every core from the event loop."""

    def __init__(self, rounds: int = 10, max_workers: int = 2) -> None:
        self._rounds = rounds
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="kassa-bcrypt")
        # A hash of nothing anyone holds, costed like the real ones, for unknown selectors.
        self._decoy = bcrypt.hashpw(b"kassa-decoy", bcrypt.gensalt(rounds))

    async def _run(self, call: Callable[[], R]) -> R:
        check = _QueuedCheck()
        try:
            return await asyncio.get_running_loop().run_in_executor(
                self._pool, partial(check.run, call)
            )
        finally:
            check.leave()

    async def hash(self, secret: str) -> str:
        salt = bcrypt.gensalt(self._rounds)
        return (await self._run(partial(bcrypt.hashpw, secret.encode(), salt))).decode()

    async def verify(self, secret: str, hashed: str) -> bool:
        try:
            return await self._run(partial(bcrypt.checkpw, secret.encode(), hashed.encode()))
        except ValueError:  # a stored hash that is not bcrypt's
            return False

    async def waste_time(self, secret: str) -> None:
        await self._run(partial(bcrypt.checkpw, secret.encode()[:72], self._decoy))

    def close(self) -> None:
        self._pool.shutdown(wait=False)
