"""The contract suite's stores: every test runs on memory, SQLite and PostgreSQL."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from adapters.persistence.memory.store import InMemoryStore
from adapters.persistence.memory.unit_of_work import InMemoryUnitOfWork
from adapters.persistence.sql.engine import create_engine
from adapters.persistence.sql.unit_of_work import SqlUnitOfWork
from application.ports.unit_of_work import UnitOfWorkFactory
from tests.support.databases import copy_sqlite
from tests.support.publishers import RecordingEventPublisher
from tests.support.stores import postgres_url, sqlite_template  # noqa: F401

STORES = ["memory", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=STORES)
def store_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def database_url(store_kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> str | None:
    """None for memory; a fresh SQLite copy; the session's PostgreSQL database."""
    if store_kind == "memory":
        return None
    if store_kind == "sqlite":
        return copy_sqlite(request.getfixturevalue("sqlite_template"), tmp_path)
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def publisher() -> RecordingEventPublisher:
    return RecordingEventPublisher()


@pytest.fixture
async def uow_factory(
    database_url: str | None, publisher: RecordingEventPublisher
) -> AsyncIterator[UnitOfWorkFactory]:
    if database_url is None:
        store = InMemoryStore.with_seed_data()  # what the migrations seed
        yield lambda: InMemoryUnitOfWork(store, publisher)
        return
    engine = create_engine(database_url)
    try:
        yield lambda: SqlUnitOfWork(engine, publisher)
    finally:
        await engine.dispose()


@pytest.fixture
def unique() -> str:
    """A token for ids, since PostgreSQL tests share one database per session."""
    return secrets.token_hex(4)
