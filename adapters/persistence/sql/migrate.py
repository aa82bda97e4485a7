"""Running the Alembic migrations from code (`kassa db migrate`, start-up, tests)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import URL, Connection, pool
from sqlalchemy.ext.asyncio import create_async_engine

from adapters.persistence.sql.engine import ensure_sqlite_directory, normalize_url
from adapters.system.blocking import run_blocking

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(url: str | URL) -> Config:
    """An Alembic configuration without alembic.ini, for this package's migrations."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["url"] = normalize_url(url).render_as_string(hide_password=False)
    return config


async def upgrade(url: str | URL, revision: str = "head") -> None:
    """Migrate the database at `url` to `revision`, on a connection of its own."""
    ensure_sqlite_directory(url)
    config = alembic_config(url)
    engine = create_async_engine(config.attributes["url"], poolclass=pool.NullPool)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_upgrade, config, revision)
    finally:
        await engine.dispose()


def _upgrade(connection: Connection, config: Config, revision: str) -> None:
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


def upgrade_sync(url: str | URL, revision: str = "head") -> None:
    """`upgrade` for synchronous callers; safe even inside a running event loop's thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(upgrade(url, revision))
        return
    run_blocking(lambda: upgrade(url, revision), name="kassa-migrate")
