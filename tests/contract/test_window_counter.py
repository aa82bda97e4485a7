"""The rate-limit stores' window counter, the same in memory and in Redis: adds are atomic,
a window lasts as long as it started with, and a count given back to zero leaves nothing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from entrypoints.http.edge.counting_stores import (
    CountingMemoryStore,
    CountingRedisStore,
    WindowCounter,
)
from tests.support.redis import fresh_namespace, keys_of, reachable_redis_url


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
async def counter(request: pytest.FixtureRequest) -> AsyncIterator[WindowCounter]:
    if request.param == "memory":
        yield CountingMemoryStore()
        return
    url, namespace = await reachable_redis_url(), fresh_namespace()
    store = CountingRedisStore.with_client(url=url, namespace=namespace)
    assert isinstance(store, CountingRedisStore)  # litestar types with_client as its base's
    async with store:  # closes its client
        yield store
    await keys_of(url, namespace, delete=True)


async def test_adds_count_up_within_one_window(counter: WindowCounter) -> None:
    assert await counter.add("k", 1, 60) == (1, 60)
    count, left = await counter.add("k", 2, 60)
    assert count == 3 and 1 <= left <= 60
    assert (await counter.add("other", 1, 60))[0] == 1


async def test_parallel_adds_lose_nothing(counter: WindowCounter) -> None:
    counts = await asyncio.gather(*(counter.add("k", 1, 60) for _ in range(50)))
    assert sorted(count for count, _ in counts) == list(range(1, 51))


async def test_giving_back_never_starts_a_window_and_zero_removes_the_key(
    counter: WindowCounter,
) -> None:
    assert await counter.add("k", -1, 60) == (0, 0)
    assert await counter.add("k", 1, 60) == (1, 60)
    assert await counter.add("k", -1, 60) == (0, 0)
    assert await counter.add("k", -1, 60) == (0, 0)  # nothing below zero, nothing stored
    assert await counter.add("k", 1, 60) == (1, 60)


async def test_a_new_window_starts_when_the_old_one_ends(counter: WindowCounter) -> None:
    await counter.add("k", 5, 1)
    assert (await counter.add("k", 1, 60))[0] == 6  # the window keeps its first length
    await asyncio.sleep(1.1)
    assert await counter.add("k", 1, 60) == (1, 60)
