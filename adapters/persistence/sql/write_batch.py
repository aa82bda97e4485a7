"""Writes a unit of work sends together: on PostgreSQL, one statement at the end.

A repository hands its INSERTs and UPDATEs to the unit of work as `Write`s (a statement
built once, its parameters, the rows it must change), and the checks that must hold with
them (a SELECT of rows that must not be there). On SQLite each runs at once. On
PostgreSQL they wait, and are sent when the unit of work needs the database anyway (a
read, a statement whose answer it needs, the commit) as the data-modifying CTEs of one
statement: `WITH w0 AS (INSERT … RETURNING 1), w1 AS (UPDATE … RETURNING 1) SELECT
kassa_expect((SELECT count(*) FROM w0), 1, 0), …`. kassa_expect (migration 0011) raises
when a write changed another number of rows than it must, so the statement either lands
whole or not at all, also in autocommit where it is its own transaction: a charge's
first transaction (key, payment, merchant event) is then one round trip.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Awaitable, Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from sqlalchemy import Connection, Dialect, Engine, PoolProxiedConnection, QueuePool, Select
from sqlalchemy.exc import DBAPIError, IntegrityError, MissingGreenlet
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql.dml import UpdateBase
from sqlalchemy.util import greenlet_spawn

from adapters.persistence.sql.engine import lends_at_once
from adapters.persistence.sql.types import UtcDateTime

_PLACEHOLDER = re.compile(r"\$(\d+)")
_FAILED_CHECK = re.compile(r"kassa_expect: write (\d+) ")


@dataclass(frozen=True, slots=True)
class Write:
    """One INSERT or UPDATE, or a check (a SELECT of the rows that must not be there): a
    statement built once, with its parameters."""

    statement: UpdateBase | Select[Any]
    params: Mapping[str, Any]
    expect: int | None = None  # the rows it must change (a check: find); None: any number
    conflict: Callable[[], Exception] | None = None  # raised when `expect` is not met
    # Speaks a unique violation as the application's error (None: not this write's).
    violation: Callable[[IntegrityError], Exception | None] | None = None
    # The row it changes: a second write to the same row is not sent in the same
    # statement (PostgreSQL would apply only one of them).
    row: Hashable | None = None
    # A write that takes a value the writes after it need (a receipt's number): its
    # statement selects FROM kassa_sent, so it runs after the writes before it, and
    # RETURNs one text column, `taken`; wherever `stand_in` appears in a text parameter
    # of a later write, the value taken is written instead (so what carries it must be
    # written through the unit of work's `write`, not run at once).
    stand_in: str | None = None

    def failed(self) -> Exception:
        if self.conflict is None:
            return RuntimeError(f"A write changed an unexpected number of rows: {self.statement}")
        return self.conflict()


async def run_now(conn: AsyncConnection, write: Write) -> None:
    """Run one write at once and check it (SQLite, and writes that cannot wait)."""
    try:
        result = await conn.execute(write.statement, dict(write.params))
    except IntegrityError as exc:
        if (spoken := _spoken(exc, [write])) is None:
            raise
        raise spoken from None
    if write.expect is None:
        return
    found = len(result.all()) if isinstance(write.statement, Select) else result.rowcount
    if found != write.expect:
        raise write.failed()


@dataclass(slots=True)
class WriteBatch:
    """The writes a PostgreSQL unit of work has not sent yet, in order, and the values its
    stand-ins took in the statements sent before."""

    _writes: list[Write] = field(default_factory=list)
    _rows: set[Hashable] = field(default_factory=set)
    _taken: dict[str, str] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self._writes)

    def changes(self, write: Write) -> bool:
        """Whether `write` must wait for the waiting writes to go first: one of them
        changes the same row, or takes a value too (one a statement)."""
        if write.row is not None and write.row in self._rows:
            return True
        return write.stand_in is not None and any(w.stand_in for w in self._writes)

    def add(self, write: Write) -> None:
        self._writes.append(write)
        if write.row is not None:
            self._rows.add(write.row)

    def clear(self) -> None:
        """Forget the waiting writes, and what earlier statements took (a rollback)."""
        self._drop_waiting()
        self._taken.clear()

    def _drop_waiting(self) -> None:
        self._writes.clear()
        self._rows.clear()

    async def send(self, conn: AsyncConnection, *, autocommit: bool = False) -> None:
        """Send every waiting write as one statement on `conn`, or raise the error of the
        one that failed (nothing of the statement is kept then). `autocommit`: `conn` is
        in autocommit, so the statement is its own transaction and goes straight to the
        driver (`_sent_by_driver`)."""
        if autocommit:
            await self._sent(conn.dialect, functools.partial(_sent_by_driver, conn))
        else:
            await self._sent(conn.dialect, functools.partial(_sent_by_sqlalchemy, conn))

    async def send_alone(self, engine: AsyncEngine) -> None:
        """`send` for a unit of work that has no connection yet, outside a transaction:
        the statement, its own transaction, goes to the driver on a pooled connection
        lent for it alone (`_sent_on_lent`)."""
        await self._sent(engine.dialect, functools.partial(_sent_on_lent, engine))

    async def _sent(self, dialect: Dialect, execute: _Execute) -> None:
        writes = list(self._writes)
        self._drop_waiting()
        templates = tuple(
            _template(w.statement, tuple(w.params), dialect, w.stand_in is None) for w in writes
        )
        values = [v for t, w in zip(templates, writes, strict=True) for v in t.values(w.params)]
        if self._taken:  # stand-ins whose values earlier statements took
            values = [_with_taken(v, self._taken) for v in values]
        taking = next((i for i, w in enumerate(writes) if w.stand_in is not None), None)
        wrapped: tuple[int, ...] = ()
        if taking is not None:
            stand_in = writes[taking].stand_in
            first_after = sum(len(t.bindings) for t in templates[: taking + 1])
            wrapped = tuple(
                i
                for i in range(first_after, len(values))
                if isinstance(values[i], str) and stand_in in values[i]
            )
            values.append(stand_in)
        sql = _statement(templates, tuple(w.expect for w in writes), taking, wrapped)
        try:
            row = await execute(sql, tuple(values))
        except IntegrityError as exc:
            if (spoken := _spoken(exc, writes)) is None:
                raise
            raise spoken from None
        except DBAPIError as exc:
            failed = _FAILED_CHECK.search(str(exc.orig))
            if failed is None:
                raise
            raise writes[int(failed.group(1))].failed() from None
        if taking is not None:
            self._taken[str(writes[taking].stand_in)] = row[len(row) - 1]


_Execute = Callable[[str, tuple[Any, ...]], Awaitable[Any]]  # SQL, values → the one row


async def _sent_by_sqlalchemy(conn: AsyncConnection, sql: str, params: tuple[Any, ...]) -> Any:
    """In a transaction, which SQLAlchemy's adapter begins on the first statement."""
    return (await conn.exec_driver_sql(sql, params)).one()


async def _sent_by_driver(conn: AsyncConnection, sql: str, params: tuple[Any, ...]) -> Any:
    """One statement straight through asyncpg on SQLAlchemy's connection, which must be
    in autocommit (the statement is its own transaction either way): 156 µs of CPU
    against 423 µs through `exec_driver_sql` for a statement of 80 parameters (measured;
    the greenlet, the cursor adapter and the result machinery)."""
    sync = conn.sync_connection
    assert sync is not None, "a connection that is open"
    driver = sync.connection.driver_connection
    assert driver is not None, "a connection checked out"
    return await _on_driver(driver, sync.dispatch, sync, sql, params, conn.invalidate)


async def read_on_lent(
    engine: AsyncEngine, statement: Select[Any] | UpdateBase, params: Mapping[str, Any]
) -> list[Any]:
    """A statement that stands on its own (a read, or an UPDATE … RETURNING that is its
    own transaction) on a lent connection (`_sent_on_lent`), PostgreSQL only: its rows as
    asyncpg gives them, which read by column name as SQLAlchemy's mappings do, without
    SQLAlchemy's result around them. Its columns must want no result processing that
    asyncpg's codecs (and the JSON codec SQLAlchemy sets on each connection) do not do
    already (`_read_template` checks once per statement)."""
    template = _read_template(statement, tuple(params), engine.dialect)
    sql = template.render(0, _numbered)
    found: list[Any] = await _sent_on_lent(engine, sql, tuple(template.values(params)), rows=True)
    return found


@functools.lru_cache(maxsize=128)
def _read_template(
    statement: Select[Any] | UpdateBase, keys: tuple[str, ...], dialect: Dialect
) -> _Template:
    if any(bind.expanding for bind in statement.compile(dialect=dialect).binds.values()):
        raise TypeError("An IN list is compiled per call: write its equalities with or_().")
    for column in statement.exported_columns:
        kind = column.type
        if isinstance(kind, UtcDateTime):
            continue  # asyncpg gives timestamptz in UTC, as the decorator would
        if kind.dialect_impl(dialect).result_processor(dialect, None) is not None:
            raise TypeError(f"{column} needs SQLAlchemy's result processing: read it so.")
    return _template(statement, keys, dialect, False)


def _numbered(number: int) -> str:
    return f"${number}"


async def _sent_on_lent(
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

        return await _on_driver(
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


async def _on_driver(
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


def _with_taken(value: Any, taken: Mapping[str, str]) -> Any:
    if not isinstance(value, str):
        return value
    for stand_in, found in taken.items():
        value = value.replace(stand_in, found)
    return value


_OWN = object()  # in a binding: the value comes from the write's parameters


@dataclass(frozen=True, slots=True, eq=False)
class _Template:
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
def _template(
    statement: UpdateBase | Select[Any], keys: tuple[str, ...], dialect: Dialect, counted: bool
) -> _Template:
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
    return _Template(tuple(_PLACEHOLDER.split(sql)), bindings, processed)


@functools.lru_cache(maxsize=512)
def _statement(
    templates: tuple[_Template, ...],
    expects: tuple[int | None, ...],
    taking: int | None,
    wrapped: tuple[int, ...],
) -> str:
    """`taking`: the write that takes a value (it selects FROM kassa_sent, the checks of
    the writes before it); `wrapped`: the parameters (0-based) of later writes that hold
    its stand-in, which comes last, as the final parameter."""
    stand_in = f"${sum(len(t.bindings) for t in templates) + 1}"

    def wrap(number: int) -> str:
        if number - 1 not in wrapped:
            return f"${number}"
        return f"replace(${number}, {stand_in}, (SELECT taken FROM w{taking}))"

    ctes: list[str] = []
    checks: list[str] = []
    offset = 0
    for i, (template, expect) in enumerate(zip(templates, expects, strict=True)):
        if i == taking:
            ctes.append(f"kassa_sent AS (SELECT {', '.join(checks) or 1})")
        ctes.append(f"w{i} AS ({template.render(offset, wrap)})")
        offset += len(template.bindings)
        count = f"(SELECT count(*) FROM w{i})"
        checks.append(count if expect is None else f"kassa_expect({count}, {expect}, {i})")
    if taking is not None:
        checks.append(f"(SELECT taken FROM w{taking})")
    return f"WITH {', '.join(ctes)} SELECT {', '.join(checks)}"


def _spoken(exc: IntegrityError, writes: Sequence[Write]) -> Exception | None:
    """The application's error for a unique violation, from the write it names."""
    for write in writes:
        if write.violation is not None and (spoken := write.violation(exc)) is not None:
            return spoken
    return None
