"""SQL-only fixtures: a migrated SQLite file or the session's PostgreSQL database."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.persistence.sql.engine import create_engine
from tests.support.databases import copy_sqlite
from tests.support.publishers import RecordingEventPublisher
from tests.support.stores import postgres_url, sqlite_template  # noqa: F401

SQL_STORES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=SQL_STORES)
def sql_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return copy_sqlite(request.getfixturevalue("sqlite_template"), tmp_path)
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
async def engine(sql_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(sql_url)
    try:
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture
def unique() -> str:
    return secrets.token_hex(4)


@pytest.fixture
def publisher() -> RecordingEventPublisher:
    return RecordingEventPublisher()
