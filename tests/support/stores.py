"""Store fixtures for any suite: import the ones you need into your conftest.

    from tests.support.stores import postgres_url, sqlite_template  # noqa: F401

`postgres_url` is one fresh, migrated PostgreSQL database for the whole session (dropped
at the end), so tests sharing it use ids of their own. `sqlite_template` is a migrated
SQLite file to copy (`copy_sqlite`) into each test's tmp_path.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Table, delete

from adapters.persistence.sql.engine import create_engine
from adapters.system.blocking import run_blocking
from tests.support.databases import (
    PostgresUnavailableError,
    drop_postgres_database,
    fresh_postgres_url,
    migrated_sqlite_url,
    skip_or_fail,
)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("sqlite-template")
    run_blocking(lambda: migrated_sqlite_url(directory))
    return directory / "kassa.db"


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    with fresh_postgres() as url:
        yield url


@contextmanager
def fresh_postgres() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database, dropped afterwards (skips without a server)."""
    try:
        url = run_blocking(fresh_postgres_url)
    except PostgresUnavailableError as exc:
        skip_or_fail(str(exc))
    try:
        yield url
    finally:
        run_blocking(lambda: drop_postgres_database(url))


def empty_tables(url: str, *tables: Table) -> None:
    """Delete every row of `tables` (in that order), for a module's database of its own."""

    async def empty() -> None:
        engine = create_engine(url)
        try:
            async with engine.begin() as conn:
                for table in tables:
                    await conn.execute(delete(table))
        finally:
            await engine.dispose()

    run_blocking(empty)
