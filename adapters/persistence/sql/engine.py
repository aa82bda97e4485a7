"""Building the AsyncEngine: one SQLite writer connection, or a PostgreSQL pool."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
import weakref
from collections.abc import Awaitable
from pathlib import Path
from typing import Any

import asyncpg
import msgspec
from sqlalchemy import URL, Engine, event, make_url
from sqlalchemy.exc import MissingGreenlet
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.util.concurrency import in_greenlet

SQLITE_BUSY_TIMEOUT_MS = 5_000
FILL_TIMEOUT_S = 10.0

log = logging.getLogger("kassa.sql")

_ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg"}


def normalize_url(url: str | URL) -> URL:
    """The URL with its async driver (`sqlite://…` → `sqlite+aiosqlite://…`)."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend not in _ASYNC_DRIVERS:
        raise ValueError(f"Unsupported database: {backend!r} (use SQLite or PostgreSQL).")
    return parsed.set(drivername=_ASYNC_DRIVERS[backend])


def is_sqlite_memory(url: URL) -> bool:
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")


def ensure_sqlite_directory(url: str | URL) -> None:
    """Create the folder of a SQLite file, so a fresh install can start (`./var/`)."""
    parsed = normalize_url(url)
    if parsed.get_backend_name() == "sqlite" and not is_sqlite_memory(parsed):
        assert parsed.database is not None
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)


DEFAULT_POOL_SIZE = 20


def _json_text(value: Any) -> str:
    return msgspec.json.encode(value).decode()


# JSON columns through msgspec, not the standard library: `json.dumps` was a third of the
# cost of binding a charge's parameters (measured). Compact text; JSONB keeps no text.
_JSON_CODEC: dict[str, Any] = {
    "json_serializer": _json_text,
    "json_deserializer": msgspec.json.decode,
}


def _connect_in_a_greenlet(*args: Any, **kwargs: Any) -> Awaitable[asyncpg.Connection]:
    """asyncpg's connect, refused before it starts outside SQLAlchemy's greenlet. A
    check-out tried without one (`driver._lent_at_once`) that finds it must
    connect then fails before any coroutine exists (none is left unawaited) and hands
    its pool entry back, and is made again in a greenlet, which connects."""
    if not in_greenlet():
        raise MissingGreenlet("A new connection is made in a greenlet.")
    connecting: Awaitable[asyncpg.Connection] = asyncpg.connect(*args, **kwargs)
    return connecting


# Engines whose idle connections are checked out and in without awaiting: no pre-ping (a
# round trip), no overflow (an overflow connection is closed on return), and the connect
# above. No pool listener of Kassa's awaits either.
_LENDS_AT_ONCE: weakref.WeakSet[Engine] = weakref.WeakSet()


def lends_at_once(engine: Engine) -> bool:
    """Whether an idle connection of `engine` is checked out and in without a greenlet
    (`driver._lent_at_once`)."""
    return engine in _LENDS_AT_ONCE


def create_engine(
    url: str | URL, pool_size: int = DEFAULT_POOL_SIZE, **overrides: Any
) -> AsyncEngine:
    """The engine for `url`; keyword `overrides` go to SQLAlchemy (tests, tuning)."""
    parsed = normalize_url(url)
    if parsed.get_backend_name() == "postgresql":
        # No pre-ping: it cost a round trip per unit of work (~30 % of webhook receipt
        # throughput, measured); connections are recycled instead, and one broken by a
        # server restart fails its request once and is then replaced.
        # No overflow: SQLAlchemy closes an overflow connection as soon as it is returned
        # to a full pool, so 32 requests on a pool of 16 + 16 opened and closed a backend
        # every few requests (16 new backends a benchmark run). A fixed pool keeps them;
        # a transaction finding all of them busy waits for one (pool_timeout).
        connect_args = {"async_creator_fn": _connect_in_a_greenlet}
        connect_args |= overrides.pop("connect_args", {})
        options: dict[str, Any] = {
            "pool_size": pool_size,
            "max_overflow": 0,
            "pool_timeout": 30,
            "pool_recycle": 1800,
            "hide_parameters": True,
            "connect_args": connect_args,
            **_JSON_CODEC,
        } | overrides
        engine = create_async_engine(parsed, **options)
        if (
            options["max_overflow"] == 0
            and not options.get("pool_pre_ping")
            and connect_args["async_creator_fn"] is _connect_in_a_greenlet
        ):
            _LENDS_AT_ONCE.add(engine.sync_engine)
        return engine
    ensure_sqlite_directory(parsed)
    # One connection: SQLite has one writer anyway, and several connections contending
    # for its lock made p99 latency ~1 s under load against ~60 ms with one.
    # Parameters stay out of logs and errors: they hold hashes and customers' details.
    sqlite_options: dict[str, Any] = {"hide_parameters": True, **_JSON_CODEC}
    if not is_sqlite_memory(parsed):
        sqlite_options |= {"pool_size": 1, "max_overflow": 0}
    engine = create_async_engine(parsed, **(sqlite_options | overrides))
    event.listen(engine.sync_engine, "connect", _configure_sqlite)
    return engine


async def fill_pool(engine: AsyncEngine) -> int:
    """Open every connection of a PostgreSQL pool now, at start-up, and keep them pooled:
    otherwise the first bursts of requests wait while backends start (charges open loop
    at 150/s: p99 241 ms in a run that opened 17 connections while measuring, 5 ms in
    one that opened none). Best effort: a database that is not up yet is connected to on
    first use, as before. How many were opened."""
    size = getattr(engine.pool, "size", None)
    if engine.dialect.name != "postgresql" or size is None:
        return 0  # SQLite's one connection, or a pool without a size (NullPool)
    try:
        found = await asyncio.wait_for(
            asyncio.gather(*(engine.connect() for _ in range(size())), return_exceptions=True),
            FILL_TIMEOUT_S,
        )
    except TimeoutError:
        found = [TimeoutError(f"no answer in {FILL_TIMEOUT_S:.0f} s")]
    opened = [conn for conn in found if not isinstance(conn, BaseException)]
    for conn in opened:
        await conn.close()  # back to the pool, open
    if failed := [str(exc) for exc in found if isinstance(exc, BaseException)]:
        log.warning(
            "Could not open the connection pool at start-up (%s); opening on use.", failed[0]
        )
    return len(opened)


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        _switch_to_wal(cursor)
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()


def _switch_to_wal(cursor: Any) -> None:
    """WAL mode, kept by the file once set. While another process opens the same file
    (recovering its WAL), SQLite may answer "database is locked" at once, without its
    busy wait: such a race is tried again, for up to the busy timeout."""
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "database is locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)  # at connect time only, and only in that race
