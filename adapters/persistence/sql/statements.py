"""Statements every SQL repository shares: insert-if-absent and the versioned update."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from sqlalchemy import Select, Table, bindparam, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.dml import UpdateBase

from adapters.persistence.sql.write_batch import Write, run_now
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

    async def rows(
        self, statement: Select[Any] | UpdateBase, params: Mapping[str, Any]
    ) -> Sequence[Mapping[Any, Any]]: ...

    async def write(self, write: Write) -> None: ...


def unique_violation(
    names: Sequence[str], error: Callable[[], Exception]
) -> Callable[[IntegrityError], Exception | None]:
    """A write's `violation` for one unique index, by how each database names it in the
    error (`names`): that violation spoken as `error()`, any other left as it is."""

    def spoken(exc: IntegrityError) -> Exception | None:
        return error() if any(name in str(exc.orig) for name in names) else None

    return spoken


def new_row(
    dialect: str,
    table: Table,
    row: dict[str, Any],
    key: Sequence[str],
    what: str,
    *,
    taken: Callable[[], Exception] | None = None,
    violation: Callable[[IntegrityError], Exception | None] | None = None,
) -> Write:
    """INSERT … ON CONFLICT (key) DO NOTHING that must insert: StaleAggregateError (`what`
    exists already), or `taken()`, when the key is taken; `violation` speaks another
    unique index's violation. A failed plain INSERT would abort the whole PostgreSQL
    transaction; this does not. The statement is built once per table and key."""
    return Write(
        _insert_if_absent(table, tuple(key), dialect),
        row,
        expect=1,
        conflict=taken or (lambda: StaleAggregateError(f"{what} exists already.")),
        violation=violation,
        row=(table.name, *(row[name] for name in key)),
    )


async def insert_new(
    conn: AsyncConnection,
    table: Table,
    row: dict[str, Any],
    key: Sequence[str],
    what: str,
    *,
    violation: Callable[[IntegrityError], Exception | None] | None = None,
) -> None:
    """`new_row` run at once: StaleAggregateError (`what` exists already) when the key is
    taken, and the transaction goes on; another unique index's violation (`violation`
    speaks it) ends a PostgreSQL transaction, as any failed statement does."""
    await run_now(conn, new_row(conn.dialect.name, table, row, key, what, violation=violation))


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
    key: dict[str, Any],
    row: dict[str, Any],
    saved: Versioned,
    what: str,
) -> None:
    """`versioned_update` run at once, from the version `saved` was read at;
    `saved.version` then moves on with the row's."""
    await run_now(conn, versioned_update(table, key, row, saved.version, what))
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
