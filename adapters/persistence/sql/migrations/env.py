"""Alembic environment: async, URL from `config.attributes["url"]` or KASSA_DATABASE_URL.

`adapters.persistence.sql.migrate` hands over a live connection instead
(`config.attributes["connection"]`), so migrating works inside a running event loop.
"""

from __future__ import annotations

import asyncio
import os

from alembic import context
from sqlalchemy import Connection, pool
from sqlalchemy.ext.asyncio import create_async_engine

from adapters.gateways.fake_sql import metadata as fake_gateway_metadata
from adapters.persistence.sql.engine import ensure_sqlite_directory, normalize_url
from adapters.persistence.sql.tables import metadata

config = context.config


def _url() -> str:
    url = config.attributes.get("url") or os.environ.get("KASSA_DATABASE_URL")
    if not url:
        raise RuntimeError("No database URL: set KASSA_DATABASE_URL.")
    return normalize_url(url).render_as_string(hide_password=False)


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=[metadata, fake_gateway_metadata],  # Kassa's, the fake gateway's
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER much
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async(url: str) -> None:
    ensure_sqlite_directory(url)
    engine = create_async_engine(url, poolclass=pool.NullPool)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_run)
    finally:
        await engine.dispose()


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
    else:
        asyncio.run(_run_async(_url()))


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
