"""The reliability suite's database: a fresh one per test."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.support.databases import postgres_database


@pytest.fixture
async def database_url() -> AsyncIterator[str]:
    """A fresh, migrated database; skipped locally (failed on CI) without PostgreSQL."""
    async with postgres_database() as url:
        yield url
