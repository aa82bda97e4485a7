"""The connection of its own that a LISTEN/NOTIFY user keeps beside the SQLAlchemy pool
(the tenant cache, the consumers' wake-up): opened with asyncpg from Kassa's database URL,
closed without letting a dead server hold up a shutdown."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import asyncpg
from sqlalchemy import make_url

RECONNECT_AFTER_S = 5.0  # how long a listener waits before trying a lost connection again


def libpq_dsn(database_url: str) -> str:
    """`postgresql+asyncpg://…` → the plain `postgresql://…` asyncpg and libpq take."""
    url = make_url(database_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


async def open_listening_connection(dsn: str) -> Any:
    """An asyncpg connection (10 s to connect) outside the pool."""
    return await asyncpg.connect(dsn, timeout=10)


async def close_quietly(conn: Any) -> None:
    """Close within 5 s if it is open; a server that is gone raises nothing."""
    if conn is not None and not conn.is_closed():
        with contextlib.suppress(Exception):
            await asyncio.wait_for(conn.close(), 5)
