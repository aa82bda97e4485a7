"""The bench's pool verdict (issue 13): backends opened and closed again while recording
are churn; a backend that was open before and closes meanwhile (a server stopped just
before, still hanging up) is not, and one opened and kept is the pool growing."""

from __future__ import annotations

import asyncpg
import pytest

from adapters.persistence.listening_connection import libpq_dsn
from tests.perf.servers import BackendCounter
from tests.support.databases import postgres_database

pytestmark = pytest.mark.postgres


async def test_only_backends_made_and_closed_again_are_churn() -> None:
    async with postgres_database(migrate=False) as url:  # no one else connects to it
        await _count_on(url)


async def _count_on(url: str) -> None:
    dsn = libpq_dsn(url)
    open_before = await asyncpg.connect(dsn)
    async with BackendCounter(url) as counter:
        before = await counter.sessions()
        await open_before.close()  # was there before: not churn
        churned = await asyncpg.connect(dsn)
        await churned.close()
        kept = await asyncpg.connect(dsn)
        try:
            made, closed_again = counter.counted(before, await counter.sessions())
        finally:
            await kept.close()
    assert (made, closed_again) == (2, 1)
