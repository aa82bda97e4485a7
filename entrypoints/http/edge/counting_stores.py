"""Litestar's memory and Redis stores, plus the one atomic step their get/set cannot give:
add to a counter that lives for a fixed window (the portal's failed-check budget)."""

from __future__ import annotations

import asyncio
import math
import time
from typing import Any, Protocol, runtime_checkable

from litestar.stores.memory import MemoryStore
from litestar.stores.redis import RedisStore


@runtime_checkable
class WindowCounter(Protocol):
    async def add(self, key: str, amount: int, window_seconds: int) -> tuple[int, int]:
        """Add `amount` to `key`'s count and answer the count and the whole seconds left
        in its window. An absent key starts a window of `window_seconds`; a negative
        amount never starts one, and a count back at zero removes the key."""
        ...


class CountingMemoryStore(MemoryStore):
    """One process's counters: read and write under a lock, so no add is lost."""

    __slots__ = ("_counting",)

    def __init__(self) -> None:
        super().__init__()
        self._counting = asyncio.Lock()

    async def add(self, key: str, amount: int, window_seconds: int) -> tuple[int, int]:
        async with self._counting:
            now = time.time()
            stored = await self.get(key)  # None once the window is over
            count, deadline = (0, now + window_seconds)
            if stored is not None:
                held, _, until = stored.decode().partition(" ")
                count, deadline = int(held), float(until)
            elif amount <= 0:
                return 0, 0
            count += amount
            if count <= 0:
                await self.delete(key)
                return 0, 0
            left = max(math.ceil(deadline - now), 1)
            await self.set(key, f"{count} {deadline}", expires_in=left)
            return count, left


# KEYS[1] the counter; ARGV[1] the amount, ARGV[2] the window in milliseconds.
_ADD = """
local amount = tonumber(ARGV[1])
if amount <= 0 and redis.call('EXISTS', KEYS[1]) == 0 then
  return {0, 0}
end
local count = redis.call('INCRBY', KEYS[1], amount)
if count <= 0 then
  redis.call('DEL', KEYS[1])
  return {0, 0}
end
local left = redis.call('PTTL', KEYS[1])
if left < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  left = tonumber(ARGV[2])
end
return {count, left}
"""


class CountingRedisStore(RedisStore):
    """Counters every Kassa process shares: one Lua script adds, starts the window and
    reads what is left of it in a single atomic step."""

    __slots__ = ("_add_script",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._add_script = self._redis.register_script(_ADD)

    async def add(self, key: str, amount: int, window_seconds: int) -> tuple[int, int]:
        count, left_ms = await self._add_script(
            keys=[self._make_key(key)], args=[amount, window_seconds * 1000]
        )
        return int(count), max(math.ceil(int(left_ms) / 1000), 1) if count else 0
