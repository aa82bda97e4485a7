"""Statements straight to asyncpg, compiled once by SQLAlchemy: on a connection the pool
lends for one statement (outside any transaction), or on a unit of work's own. SQLAlchemy
builds and binds them and still hears of them (its cursor events, its exceptions); the
greenlet hops of its async API and its result machinery are left out, which on the hot
paths cost more than the statements themselves (see ARCHITECTURE.md, "Round trips").
"""

from __future__ import annotations

import functools
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import asyncpg
from sqlalchemy import Connection, Dialect, Engine, PoolProxiedConnection, QueuePool, Select
from sqlalchemy.exc import DBAPIError, IntegrityError, MissingGreenlet
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql.dml import UpdateBase
from sqlalchemy.util import greenlet_spawn

from adapters.persistence.sql.engine import lends_at_once
from adapters.persistence.sql.types import UtcDateTime

_PLACEHOLDER = re.compile(r"\$(\d+)")


async def read_on_lent(
    engine: AsyncEngine, statement: Select[Any] | UpdateBase, params: Mapping[str, Any]
) -> list[Any]:
    """A statement that stands on its own (a read, or an UPDATE … RETURNING that is its
    own transaction) on a lent connection (`sent_on_lent`), PostgreSQL only: its rows as
    asyncpg gives them, which read by column name as SQLAlchemy's mappings do, without
    SQLAlchemy's result around them. Its columns must want no result processing that
    asyncpg's codecs (and the JSON codec SQLAlchemy sets on each connection) do not do
    already (`_read_template` checks once per statement)."""
    template = _read_template(statement, tuple(params), engine.dialect)
    sql = template.render(0, _numbered)
    found: list[Any] = await sent_on_lent(engine, sql, tuple(template.values(params)), rows=True)
    return found


@functools.lru_cache(maxsize=128)
def _read_template(
    statement: Select[Any] | UpdateBase, keys: tuple[str, ...], dialect: Dialect
) -> Template:
    if any(bind.expanding for bind in statement.compile(dialect=dialect).binds.values()):
        raise TypeError("An IN list is compiled per call: write its equalities with or_().")
    for column in statement.exported_columns:
        kind = column.type
        if isinstance(kind, UtcDateTime):
            continue  # asyncpg gives timestamptz in UTC, as the decorator would
        if kind.dialect_impl(dialect).result_processor(dialect, None) is not None:
            raise TypeError(f"{column} needs SQLAlchemy's result processing: read it so.")
    return compiled_once(statement, keys, dialect, False)


def _numbered(number: int) -> str:
    return f"${number}"


async def sent_on_lent(
    engine: AsyncEngine, sql: str, params: tuple[Any, ...], *, rows: bool = False
) -> Any:
    """One statement on a connection the pool lends the driver for it alone, outside any
    transaction (asyncpg's own autocommit), where a unit of work's `AsyncConnection`
    takes four greenlet hops (connect, autocommit, commit, close): its one row, or with
    `rows` all of them. The cursor events carry no connection. Check-out and check-in
    take no greenlet hop either while a connection sits idle in the pool
    (`_lent_at_once`)."""
    sync_engine = engine.sync_engine
    pooled = _lent_at_once(sync_engine)
    if pooled is None:
        pooled = await greenlet_spawn(sync_engine.raw_connection)
    try:
        driver = pooled.driver_connection
        assert driver is not None, "a connection checked out"

        async def invalidate() -> None:
            await greenlet_spawn(pooled.invalidate)

        return await on_driver(
            driver, sync_engine.dispatch, None, sql, params, invalidate, rows=rows
        )
    finally:
        # Never awaits: the connection is idle (asyncpg's adapter awaits a rollback only
        # inside a transaction it began, and there is none), and the pool's queue has room.
        pooled.close()


def _lent_at_once(sync_engine: Engine) -> PoolProxiedConnection | None:
    """A connection idle in the pool, checked out without a greenlet: SQLAlchemy's async
    pool takes an idle one without awaiting, and the greenlet hop around a check-out cost
    more than the check-out and the statement together (measured in a loop of `SELECT
    1`: 79-81 µs of CPU with the two hops, 39-44 µs without), on an engine built for it
    (`engine.lends_at_once`) and SQLAlchemy 2.1.9 or later. None when the pool would
    have to wait or connect: it raises MissingGreenlet before it waits, and the engine's
    connect (`engine._connect_in_a_greenlet`) raises it before connecting, the pool
    entry handed back invalidated; the caller then checks out in a greenlet."""
    pool = sync_engine.pool
    if not lends_at_once(sync_engine) or not isinstance(pool, QueuePool) or not pool.checkedin():
        return None
    try:
        return sync_engine.raw_connection()
    except MissingGreenlet:
        return None


async def on_driver(
    driver: Any,
    dispatch: Any,
    connection: Connection | None,
    sql: str,
    params: tuple[Any, ...],
    invalidate: Callable[[], Awaitable[None]],
    *,
    rows: bool = False,
) -> Any:
    """The statement's one row from asyncpg (with `rows`, all of them). SQLAlchemy's
    cursor events still fire (on `dispatch`, the connection's or the engine's), with
    neither cursor nor execution context (the round-trip counts listen to them; echo
    logging does not see the statement), and its exceptions are still what is raised,
    so the code above this sees no difference. A connection the server closed is
    invalidated, not handed out again."""
    dispatch.before_cursor_execute(connection, None, sql, params, None, False)
    try:
        found = await (driver.fetch if rows else driver.fetchrow)(sql, *params)
    except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError) as exc:
        gone = driver.is_closed()
        if gone:
            await invalidate()
        kind = (
            IntegrityError
            if isinstance(exc, asyncpg.IntegrityConstraintViolationError)
            else DBAPIError
        )
        raise kind(sql, params, exc, hide_parameters=True, connection_invalidated=gone) from exc
    dispatch.after_cursor_execute(connection, None, sql, params, None, False)
    return found


_OWN = object()  # in a binding: the value comes from the write's parameters


@dataclass(frozen=True, slots=True, eq=False)
class Template:
    """A statement compiled once for PostgreSQL: its SQL cut at each `$n`, and how each
    parameter is bound (SQLAlchemy's own processors, so values go as they would)."""

    parts: tuple[str, ...]  # text, number, text, number, …, text
    # Per $1, $2, …: its parameter, its processor (or None), and its value when the
    # statement carries it itself (`version + 1`), else _OWN.
    bindings: tuple[tuple[str, Callable[[Any], Any] | None, Any], ...]
    # The bindings that have a processor, by position: most (text, numbers) have none.
    processed: tuple[tuple[int, Callable[[Any], Any]], ...]

    def render(self, offset: int, placeholder: Callable[[int], str]) -> str:
        """The SQL with its parameters numbered from `offset` + 1, each written as
        `placeholder` writes that number (`$n`, or an expression around it)."""
        return "".join(
            part if i % 2 == 0 else placeholder(int(part) + offset)
            for i, part in enumerate(self.parts)
        )

    def values(self, params: Mapping[str, Any]) -> list[Any]:
        found = [params[name] if fixed is _OWN else fixed for name, _, fixed in self.bindings]
        for position, process in self.processed:
            found[position] = process(found[position])
        return found


@functools.lru_cache(maxsize=512)
def compiled_once(
    statement: UpdateBase | Select[Any], keys: tuple[str, ...], dialect: Dialect, counted: bool
) -> Template:
    """`counted`: a batched write, which returns a row per row it changed (a check's
    SELECT returns its rows as it is)."""
    compiled = statement.compile(dialect=dialect, column_keys=list(keys))
    binds = {name: bind for bind, name in compiled.bind_names.items()}
    bindings = tuple(
        (
            name,
            binds[name].type.dialect_impl(dialect).bind_processor(dialect),
            _OWN if name in keys else binds[name].effective_value,
        )
        for name in compiled.positiontup or ()
    )
    returning = counted and isinstance(statement, UpdateBase)
    sql = f"{compiled.string} RETURNING 1" if returning else compiled.string
    processed = tuple((i, process) for i, (_, process, _) in enumerate(bindings) if process)
    return Template(tuple(_PLACEHOLDER.split(sql)), bindings, processed)
