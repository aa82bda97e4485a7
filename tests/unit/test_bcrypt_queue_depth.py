"""`kassa_bcrypt_queue_depth`: checks waiting for one of the pool's threads, and running;
back to zero when they are done, also when a caller gave up while its check waited."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

from prometheus_client import REGISTRY

from adapters.security.bcrypt_hasher import BcryptTokenHasher


def depth(state: str) -> float:
    found = REGISTRY.get_sample_value("kassa_bcrypt_queue_depth", {"state": state})
    return found or 0.0


async def until(condition: Callable[[], bool], seconds: float = 5.0) -> None:
    """Poll `condition` (a gauge read from the bcrypt threads: nothing to await on)."""
    for _ in range(int(seconds / 0.005)):
        if condition():
            return
        await asyncio.sleep(0.005)
    raise TimeoutError("the condition did not hold in time")


async def test_waiting_and_running_checks_are_counted_and_a_cancelled_one_leaves_the_queue():
    hasher = BcryptTokenHasher(rounds=12, max_workers=1)  # ~¼ s a check
    hashed = await hasher.hash("verifier")
    try:
        checks = [asyncio.create_task(hasher.verify("verifier", hashed)) for _ in range(3)]
        await until(lambda: depth("running") == 1)  # the thread took the first one
        assert (depth("running"), depth("waiting")) == (1, 2)

        checks[2].cancel()  # a client that went away while its check waited
        with contextlib.suppress(asyncio.CancelledError):
            await checks[2]
        assert depth("waiting") <= 1

        assert await asyncio.gather(*checks[:2]) == [True, True]
        await until(lambda: depth("running") == 0)  # had a thread taken the cancelled one
        assert (depth("running"), depth("waiting")) == (0, 0)
    finally:
        hasher.close()
