"""The memory rate-limit store: Litestar's Store contract kept without a lock."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from entrypoints.http.edge.counting_stores import CountingMemoryStore


class _Later:
    """`datetime` for litestar's StorageObject, five seconds on."""

    @staticmethod
    def now(tz: object = None) -> datetime:
        return datetime.now(UTC) + timedelta(seconds=5)


async def test_values_expire_are_renewed_and_deleted() -> None:
    store = CountingMemoryStore()
    await store.set("kept", "text")
    await store.set("short", b"bytes", expires_in=1)
    assert await store.get("kept") == b"text" and await store.get("short") == b"bytes"
    assert await store.expires_in("kept") == -1  # no expiry, as Litestar's MemoryStore says
    assert await store.expires_in("short") in (0, 1)
    assert await store.get("short", renew_for=60) == b"bytes"
    assert 59 <= (await store.expires_in("short") or 0) <= 60
    await store.delete("kept")
    assert not await store.exists("kept") and await store.exists("short")
    await store.delete_all()
    assert await store.get("short") is None


async def test_the_sweep_frees_what_expired_but_keeps_a_key_written_again_meanwhile(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = CountingMemoryStore()
    for number in range(2_500):
        await store.set(f"k{number}", "x", expires_in=1)
    await store.set("lasting", "x", expires_in=3_600)
    monkeypatch.setattr("litestar.stores.base.datetime", _Later)

    sweep = asyncio.create_task(store.delete_expired())
    await asyncio.sleep(0)  # the sweep gives the loop a turn after each thousand keys
    await store.set("k2400", "again", expires_in=3_600)
    await sweep

    # expires_in reads without expiring: None only for a key the sweep took
    assert [await store.expires_in(k) for k in ("k0", "k1500", "k2499")] == [None] * 3
    assert await store.get("k2400") == b"again" and await store.get("lasting") == b"x"
