"""The baseline: a bare Litestar endpoint doing one SQLAlchemy ORM insert, nothing else.

Same server settings and same pool as Kassa (its `create_engine`), so the ratio
Kassa/bare measures what Kassa adds on top of "parse, insert one row, answer JSON".
`uvicorn tests.perf.bare_app:create_bare_app --factory` with KASSA_DATABASE_URL set.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import msgspec
from litestar import Litestar, get, post
from litestar.datastructures import State
from sqlalchemy import DateTime, String
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.pool import NullPool

from adapters.persistence.sql.engine import create_engine, normalize_url


class Base(DeclarativeBase):
    pass


class BareCharge(Base):
    """A throwaway table of the benchmark, created by it, never by a migration."""

    __tablename__ = "perf_bare_charges"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[str] = mapped_column(String(255))
    amount: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    payment_method: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ChargeBody(msgspec.Struct, forbid_unknown_fields=True):
    order_id: str
    amount: int
    currency: str
    payment_method: str


class ChargeAnswer(msgspec.Struct):
    id: int
    order_id: str
    amount: int
    currency: str
    created_at: datetime


@post("/charges", status_code=201)
async def charge(data: ChargeBody, state: State) -> ChargeAnswer:
    sessions: async_sessionmaker[AsyncSession] = state.sessions
    row = BareCharge(
        order_id=data.order_id,
        amount=data.amount,
        currency=data.currency,
        payment_method=data.payment_method,
        created_at=datetime.now(UTC),
    )
    async with sessions() as session, session.begin():
        session.add(row)
    return ChargeAnswer(row.id, row.order_id, row.amount, row.currency, row.created_at)


@get("/health", cache=False)
async def health() -> dict[str, str]:
    return {"status": "ok"}


def create_bare_app(database_url: str | None = None) -> Litestar:
    """The baseline app on `database_url` (default: KASSA_DATABASE_URL)."""
    engine = create_engine(database_url or os.environ["KASSA_DATABASE_URL"])

    @asynccontextmanager
    async def dispose_engine(_: Litestar) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await engine.dispose()

    return Litestar(
        route_handlers=[charge, health],
        state=State(
            {"engine": engine, "sessions": async_sessionmaker(engine, expire_on_commit=False)}
        ),
        lifespan=[dispose_engine],
        openapi_config=None,
        logging_config=None,  # as Kassa's; Litestar's own would reconfigure a shared process
        debug=False,
    )


async def create_bare_table(database_url: str) -> None:
    """Create the baseline's table in the benchmark's database."""
    engine = create_async_engine(normalize_url(database_url), poolclass=NullPool)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
    finally:
        await engine.dispose()
