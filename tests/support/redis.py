"""The test Redis (KASSA_TEST_REDIS_URL, default 127.0.0.1:6379): reachable or skipped (on CI,
failed), and a namespace of one test's keys to look at and remove afterwards.

    from tests.support.redis import redis_url_fixture  # noqa: F401
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis

from tests.support.databases import skip_or_fail

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


def fresh_namespace() -> str:
    return f"kassa-test-{secrets.token_hex(6)}"


async def reachable_redis_url() -> str:
    url = os.environ.get("KASSA_TEST_REDIS_URL", DEFAULT_REDIS_URL)
    client = aioredis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        await client.ping()
    except (OSError, aioredis.RedisError) as exc:
        skip_or_fail(f"Redis not reachable at {url}: {exc}")
    finally:
        await client.aclose()
    return url


async def keys_of(redis_url: str, namespace: str, *, delete: bool = False) -> list[str]:
    """The keys under `namespace` (removed too, with `delete`)."""
    client = aioredis.Redis.from_url(redis_url)
    found = []
    try:
        async for key in client.scan_iter(match=f"{namespace}:*"):
            found.append(key.decode())
            if delete:
                await client.delete(key)
    finally:
        await client.aclose()
    return found


@pytest.fixture(name="redis_url")
async def redis_url_fixture() -> AsyncIterator[str]:
    """The test Redis, reachable, or the test is skipped (failed under CI) with the reason."""
    yield await reachable_redis_url()
