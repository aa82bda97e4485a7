"""Statements every SQL repository shares: insert-if-absent and the versioned update."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from sqlalchemy import ColumnElement, Table, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from application.errors import StaleAggregateError


class ConnectionSource(Protocol):
    """Hands out the unit of work's connection, checked out on first use."""

    async def connection(self) -> AsyncConnection: ...


async def insert_if_absent(
    conn: AsyncConnection, table: Table, row: dict[str, Any], key: Sequence[str]
) -> bool:
    """INSERT … ON CONFLICT (key) DO NOTHING: False when the key exists.

    A failed plain INSERT would abort the whole PostgreSQL transaction; this does not.
    """
    dialect_insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    stmt = dialect_insert(table).values(row).on_conflict_do_nothing(index_elements=list(key))
    result = await conn.execute(stmt)
    return result.rowcount == 1


async def update_versioned(
    conn: AsyncConnection,
    table: Table,
    where: Sequence[ColumnElement[bool]],
    row: dict[str, Any],
    version: int,
    what: str,
) -> None:
    """UPDATE … SET …, version = version + 1 WHERE <key> AND version = :version."""
    keys = set(table.primary_key.columns.keys())
    values = {name: value for name, value in row.items() if name not in keys}
    values["version"] = table.c.version + 1
    stmt = update(table).where(*where, table.c.version == version).values(values)
    result = await conn.execute(stmt)
    if result.rowcount != 1:
        raise StaleAggregateError(f"{what} changed concurrently (or is gone).")
