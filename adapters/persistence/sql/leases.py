"""Claiming due rows under a lease, for every worker queue (webhook inbox, mail outbox,
merchant event deliveries): several workers, each row to one of them at a time."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from enum import Enum
from typing import Any, Protocol, TypeVar

from sqlalchemy import ColumnElement, Table, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.persistence.sql.row_mapper import RowMapper
from adapters.persistence.sql.statements import hold_sqlite_write_lock
from application.errors import StaleAggregateError


class Leasable(Protocol):
    version: int

    @property
    def id(self) -> str: ...

    @property
    def status(self) -> Enum: ...

    @property
    def locked_until(self) -> datetime | None: ...

    def claim(self, now: datetime, lease: timedelta) -> None: ...


L = TypeVar("L", bound=Leasable)


async def claim_leased(
    conn: AsyncConnection,
    table: Table,
    mapper: RowMapper[L],
    *,
    due: ColumnElement[bool],
    order_by: Sequence[ColumnElement[Any]],
    limit: int,
    now: datetime,
    lease: timedelta,
    keys: Callable[[Sequence[L]], ColumnElement[bool]] | None = None,
) -> Sequence[L]:
    """Select up to `limit` due rows and lease them in the caller's transaction.

    PostgreSQL locks the chosen rows and skips those other workers hold (`FOR UPDATE SKIP
    LOCKED`); SQLite takes its one write lock first, so no other connection claims in
    between. `keys` picks the claimed rows for the UPDATE (default: by `id`)."""
    if limit < 1:
        return []
    await hold_sqlite_write_lock(conn)
    query = (
        select(table).where(due).order_by(*order_by).limit(limit).with_for_update(skip_locked=True)
    )
    found = [mapper.from_row(row) for row in (await conn.execute(query)).mappings()]
    if not found:
        return []
    for item in found:
        item.claim(now, lease)
    chosen = keys(found) if keys is not None else table.c.id.in_([item.id for item in found])
    first = found[0]
    result = await conn.execute(
        update(table)
        .where(chosen)
        .values(
            status=first.status.value, locked_until=first.locked_until, version=table.c.version + 1
        )
    )
    if result.rowcount != len(found):  # cannot happen while the rows are locked
        raise StaleAggregateError(f"Rows of {table.name} changed while being claimed.")
    for item in found:
        item.version += 1
    return found
