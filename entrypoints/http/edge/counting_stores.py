"""Litestar's memory and Redis stores, plus the one atomic step their get/set cannot give:
add to a counter that lives for a fixed window (the portal's failed-check budget)."""

from __future__ import annotations

import asyncio
import math
import time
from datetime import timedelta
from typing import Any, Protocol, runtime_checkable

from litestar.stores.base import StorageObject, Store
from litestar.stores.redis import RedisStore


@runtime_checkable
class WindowCounter(Protocol):
    async def add(self, key: str, amount: int, window_seconds: int) -> tuple[int, int]:
        """Add `amount` to `key`'s count and answer the count and the whole seconds left
        in its window. An absent key starts a window of `window_seconds`; a negative
        amount never starts one, and a count back at zero removes the key."""
        ...


class CountingMemoryStore(Store):
    """One process's counters in a dict. No operation awaits in between reading and
    writing, so each is atomic on the event loop and none takes a lock: Litestar's
    MemoryStore takes an anyio lock for every get and set, a trip round the event loop
    each, three a rate-limited request."""

    __slots__ = ("_store",)

    def __init__(self) -> None:
        self._store: dict[str, StorageObject] = {}

    async def set(
        self, key: str, value: str | bytes, expires_in: int | timedelta | None = None
    ) -> None:
        self._set(key, value, expires_in)

    async def get(self, key: str, renew_for: int | timedelta | None = None) -> bytes | None:
        return self._get(key, renew_for)

    async def delete(self, key: str) -> None:
        self._store.pop(key, None)

    async def delete_all(self) -> None:
        self._store.clear()

    async def exists(self, key: str) -> bool:
        return self._get(key) is not None

    async def expires_in(self, key: str) -> int | None:
        found = self._store.get(key)
        return found.expires_in if found is not None else None

    async def delete_expired(self) -> None:
        """Free what expired, a thousand keys between turns of the event loop; a key
        written again meanwhile is kept."""
        for number, (key, stored) in enumerate(list(self._store.items()), 1):
            if stored.expired and self._store.get(key) is stored:
                del self._store[key]
            if number % 1_000 == 0:
                await asyncio.sleep(0)

    async def add(self, key: str, amount: int, window_seconds: int) -> tuple[int, int]:
        now = time.time()
        stored = self._get(key)  # None once the window is over
        count, deadline = (0, now + window_seconds)
        if stored is not None:
            held, _, until = stored.decode().partition(" ")
            count, deadline = int(held), float(until)
        elif amount <= 0:
            return 0, 0
        count += amount
        if count <= 0:
            self._store.pop(key, None)
            return 0, 0
        left = max(math.ceil(deadline - now), 1)
        self._set(key, f"{count} {deadline}", left)
        return count, left

    def _set(self, key: str, value: str | bytes, expires_in: int | timedelta | None) -> None:
        data = value.encode() if isinstance(value, str) else value
        self._store[key] = StorageObject.new(data=data, expires_in=expires_in)

    def _get(self, key: str, renew_for: int | timedelta | None = None) -> bytes | None:
        stored = self._store.get(key)
        if stored is None:
            return None
        if stored.expired:
            del self._store[key]
            return None
        if renew_for and stored.expires_at:
            self._set(key, stored.data, renew_for)
        return stored.data


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
