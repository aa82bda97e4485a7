"""Statements every SQL repository shares: insert-if-absent and the versioned update."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from sqlalchemy import ColumnElement, CursorResult, Table, bindparam, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.persistence.sql.write_batch import Write
from application.errors import StaleAggregateError


class Versioned(Protocol):
    version: int


class ConnectionSource(Protocol):
    """Hands out the unit of work's connection, checked out on first use."""

    async def connection(self) -> AsyncConnection: ...


class WriteSource(ConnectionSource, Protocol):
    """A unit of work that also reads outside its transaction and batches writes (see
    `SqlUnitOfWork`): a repository on it reports a write's conflict now or at the next
    statement the unit of work sends, its commit at the latest."""

    @property
    def dialect(self) -> str: ...

    async def single_statement(self) -> AsyncConnection: ...

    async def write(self, write: Write) -> None: ...

    async def after_writes(self, statement: Write) -> CursorResult[Any]: ...


def new_row(
    dialect: str,
    table: Table,
    row: dict[str, Any],
    key: Sequence[str],
    taken: Callable[[], Exception],
    violation: Callable[[IntegrityError], Exception | None] | None = None,
) -> Write:
    """INSERT … ON CONFLICT (key) DO NOTHING that must insert: `taken()` is raised when
    the key is taken; `violation` speaks another unique index's violation."""
    return Write(
        _insert_if_absent(table, tuple(key), dialect),
        row,
        expect=1,
        conflict=taken,
        violation=violation,
        row=(table.name, *(row[name] for name in key)),
    )


def upserted_row(dialect: str, table: Table, row: dict[str, Any], key: Sequence[str]) -> Write:
    """INSERT … ON CONFLICT (key) DO UPDATE every other column: the row written in place,
    or added."""
    return Write(
        _upsert(table, tuple(key), dialect), row, row=(table.name, *(row[name] for name in key))
    )


def versioned_update(
    table: Table,
    key: dict[str, Any],
    row: dict[str, Any],
    version: int,
    what: str,
    violation: Callable[[IntegrityError], Exception | None] | None = None,
) -> Write:
    """UPDATE … SET …, version = version + 1 WHERE <key> AND version = :version, as a
    write: StaleAggregateError (`what` changed concurrently) unless it changes one row.
    The statement is built once per table and key columns; the values, the key and the
    expected version go as parameters, so a save builds and cache-keys nothing (the hot
    paths save a payment and an idempotency record on every charge)."""
    keys = set(table.primary_key.columns.keys()) | set(key) | {"version"}
    values = {name: value for name, value in row.items() if name not in keys}
    values |= {f"key_{name}": value for name, value in key.items()}
    values["expected_version"] = version
    return Write(
        _update_versioned(table, tuple(key)),
        values,
        expect=1,
        conflict=lambda: StaleAggregateError(f"{what} changed concurrently (or is gone)."),
        violation=violation,
        row=(table.name, *key.values()),
    )


async def insert_if_absent(
    conn: AsyncConnection, table: Table, row: dict[str, Any], key: Sequence[str]
) -> bool:
    """INSERT … ON CONFLICT (key) DO NOTHING: False when the key exists.

    A failed plain INSERT would abort the whole PostgreSQL transaction; this does not.
    The row goes as execution parameters to a statement built once per table and key, so
    SQLAlchemy neither rebuilds it nor recomputes its cache key on every call.
    """
    stmt = _insert_if_absent(table, tuple(key), conn.dialect.name)
    result = await conn.execute(stmt, row)
    return result.rowcount == 1


@functools.cache
def _insert_if_absent(table: Table, key: tuple[str, ...], dialect: str) -> Any:
    dialect_insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return dialect_insert(table).on_conflict_do_nothing(index_elements=list(key))


@functools.cache
def _upsert(table: Table, key: tuple[str, ...], dialect: str) -> Any:
    stmt = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    changed = {c.name: stmt.excluded[c.name] for c in table.columns if c.name not in key}
    return stmt.on_conflict_do_update(index_elements=list(key), set_=changed)


async def update_versioned(
    conn: AsyncConnection,
    table: Table,
    where: Sequence[ColumnElement[bool]],
    row: dict[str, Any],
    saved: Versioned,
    what: str,
) -> None:
    """UPDATE … SET …, version = version + 1 WHERE <key> AND version = :version, the
    version `saved` was read at; `saved.version` then moves on with the row's.

    The new values go as execution parameters, not `.values(...)`: building and
    cache-keying a 35-column VALUES clause on every save cost more CPU than the round trip.
    """
    keys = set(table.primary_key.columns.keys()) | {"version"}
    values = {name: value for name, value in row.items() if name not in keys}
    stmt = (
        update(table)
        .where(*where, table.c.version == saved.version)
        .values(version=table.c.version + 1)
    )
    result = await conn.execute(stmt, values)
    if result.rowcount != 1:
        raise StaleAggregateError(f"{what} changed concurrently (or is gone).")
    saved.version += 1


@functools.cache
def _update_versioned(table: Table, key: tuple[str, ...]) -> Any:
    return (
        update(table)
        .where(
            *(table.c[name] == bindparam(f"key_{name}") for name in key),
            table.c.version == bindparam("expected_version"),
        )
        .values(version=table.c.version + 1)
    )


async def hold_sqlite_write_lock(conn: AsyncConnection) -> None:
    """BEGIN IMMEDIATE unless a write transaction is open already (SQLite only).

    The SQLite driver begins a transaction only at the first INSERT/UPDATE/DELETE, so
    without this a read that must not be overtaken would run outside one, and a writer
    in another process could change the rows before our UPDATE. PostgreSQL locks rows
    instead (`SELECT … FOR UPDATE`)."""
    if conn.dialect.name != "sqlite":
        return
    driver = (await conn.get_raw_connection()).driver_connection
    if driver is None or not driver.in_transaction:
        await conn.exec_driver_sql("BEGIN IMMEDIATE")
