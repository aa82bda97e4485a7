"""How the engine is built: drivers, SQLite pragmas and its single connection, pools."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import MissingGreenlet
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.pool import QueuePool
from sqlalchemy.util.queue import AsyncAdaptedQueue

from adapters.persistence.sql.engine import (
    SQLITE_BUSY_TIMEOUT_MS,
    create_engine,
    fill_pool,
    lends_at_once,
    normalize_url,
)
from tests.support.databases import sqlite_url


@pytest.mark.parametrize(
    ("given", "driver"),
    [
        ("sqlite:///var/kassa.db", "sqlite+aiosqlite"),
        ("sqlite+aiosqlite:///var/kassa.db", "sqlite+aiosqlite"),
        ("postgresql://u:p@db/kassa", "postgresql+asyncpg"),
        ("postgresql+psycopg://u:p@db/kassa", "postgresql+asyncpg"),
    ],
)
def test_urls_get_their_async_driver(given: str, driver: str):
    assert normalize_url(given).drivername == driver


def test_other_databases_are_refused():
    with pytest.raises(ValueError, match="Unsupported database"):
        normalize_url("mysql://u@db/kassa")


async def test_sqlite_runs_in_wal_mode_with_foreign_keys_on_one_connection(tmp_path: Path):
    engine = create_engine(sqlite_url(tmp_path / "new" / "kassa.db"), pool_timeout=0.2)
    try:
        async with engine.connect() as conn:
            settings = [
                await conn.scalar(text(f"PRAGMA {name}"))
                for name in ("journal_mode", "foreign_keys", "busy_timeout")
            ]
            with pytest.raises(PoolTimeoutError):
                await engine.connect()  # there is no second connection
        assert settings == ["wal", 1, SQLITE_BUSY_TIMEOUT_MS]
        assert isinstance(engine.pool, QueuePool) and engine.pool.size() == 1
    finally:
        await engine.dispose()


async def test_an_in_memory_sqlite_database_works_too():
    engine = create_engine("sqlite+aiosqlite://")
    try:
        async with engine.connect() as conn:
            assert await conn.scalar(text("SELECT 1")) == 1
    finally:
        await engine.dispose()


@pytest.mark.postgres
async def test_postgresql_gets_a_pool(postgres_url: str):
    engine = create_engine(postgres_url)
    try:
        async with engine.connect() as conn:
            assert await conn.scalar(text("SELECT 1")) == 1
        assert isinstance(engine.pool, QueuePool) and engine.pool.size() == 20
    finally:
        await engine.dispose()


@pytest.mark.postgres
async def test_the_postgresql_pool_keeps_its_connections_and_opens_no_overflow(postgres_url: str):
    """Overflow connections are closed as soon as they are returned: under load that is a
    new backend every few requests. A full pool makes the next transaction wait instead."""
    engine = create_engine(postgres_url, pool_size=2, pool_timeout=0.2)
    try:
        first, second = await engine.connect(), await engine.connect()
        with pytest.raises(PoolTimeoutError):
            await engine.connect()
        pids = {await c.scalar(text("SELECT pg_backend_pid()")) for c in (first, second)}
        await first.close()
        await second.close()
        for _ in range(3):
            async with engine.connect() as a, engine.connect() as b:
                again = {await c.scalar(text("SELECT pg_backend_pid()")) for c in (a, b)}
            assert again == pids  # the same two backends, every time
    finally:
        await engine.dispose()


@pytest.mark.postgres
async def test_filling_the_pool_opens_every_connection_and_keeps_them(postgres_url: str):
    engine = create_engine(postgres_url, pool_size=4)
    try:
        assert await fill_pool(engine) == 4
        assert engine.pool.checkedin() == 4  # type: ignore[attr-defined]
        async with engine.connect() as a, engine.connect() as b:  # no new backend for these
            assert {await c.scalar(text("SELECT 1")) for c in (a, b)} == {1}
        assert engine.pool.checkedin() == 4  # type: ignore[attr-defined]
    finally:
        await engine.dispose()


async def test_a_pool_that_cannot_be_filled_is_opened_on_use(caplog: pytest.LogCaptureFixture):
    """Best effort: a database not up at start-up is not a reason to refuse to start."""
    engine = create_engine("postgresql://nobody@127.0.0.1:1/nothing", pool_size=2)
    try:
        assert await fill_pool(engine) == 0
    finally:
        await engine.dispose()
    assert "Could not open the connection pool at start-up" in caplog.text


async def test_sqlite_has_no_pool_to_fill(tmp_path: Path):
    engine = create_engine(sqlite_url(tmp_path / "kassa.db"))
    try:
        assert await fill_pool(engine) == 0
    finally:
        await engine.dispose()


async def test_sqlalchemys_async_pool_queue_hands_out_an_idle_item_without_awaiting():
    """What `driver._lent_at_once` stands on (SQLAlchemy 2.1.9 and later): outside a
    greenlet, a blocking get of an item that is there returns it, and raises
    MissingGreenlet, taking nothing, when it would have to wait."""
    queue: AsyncAdaptedQueue[str] = AsyncAdaptedQueue()
    queue.put_nowait("idle connection")

    assert queue.get(True, 1) == "idle connection"
    with pytest.raises(MissingGreenlet):
        queue.get(True, 1)
    assert queue.empty()


@pytest.mark.parametrize(
    ("overrides", "lends"),
    [
        ({}, True),
        ({"pool_pre_ping": True}, False),
        ({"max_overflow": 4}, False),
        ({"connect_args": {"timeout": 5}}, True),
        ({"connect_args": {"async_creator_fn": object()}}, False),
    ],
)
def test_only_an_engine_whose_check_outs_never_await_lends_at_once(
    overrides: dict[str, Any], lends: bool
):
    engine = create_engine("postgresql://kassa@127.0.0.1:1/kassa", **overrides)
    assert lends_at_once(engine.sync_engine) is lends
    assert not lends_at_once(create_engine("sqlite+aiosqlite://").sync_engine)
