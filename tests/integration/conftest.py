"""Integration fixtures: a migrated SQLite file or the session's PostgreSQL database; Stripe's
adapter against a mocked api.stripe.com."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import respx
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.gateways.stripe_gateway import StripePaymentGateway
from adapters.persistence.sql.engine import create_engine
from tests.support.databases import copy_sqlite
from tests.support.publishers import RecordingEventPublisher
from tests.support.stores import postgres_url, sqlite_template  # noqa: F401
from tests.support.stripe_responses import API, SECRET

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


@pytest.fixture
def stripe_api() -> Iterator[respx.MockRouter]:
    """api.stripe.com answered by the test's routes (`stripe_api.post(...)`)."""
    with respx.mock(base_url=API, assert_all_called=False) as router:
        yield router


@pytest.fixture
async def gateway() -> AsyncIterator[StripePaymentGateway]:
    """Stripe's adapter with quick retries, talking to `stripe_api`."""
    gateway = StripePaymentGateway(SECRET, retry_delay=0.001, max_retry_delay=0.002)
    try:
        yield gateway
    finally:
        await gateway.aclose()
