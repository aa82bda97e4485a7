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

from sqlalchemy import Dialect, Select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql.dml import UpdateBase

from adapters.persistence.sql.driver import Template, compiled_once, on_driver, sent_on_lent

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
        lent for it alone (`sent_on_lent`)."""
        await self._sent(engine.dialect, functools.partial(sent_on_lent, engine))

    async def _sent(self, dialect: Dialect, execute: _Execute) -> None:
        writes = list(self._writes)
        self._drop_waiting()
        templates = tuple(
            compiled_once(w.statement, tuple(w.params), dialect, w.stand_in is None) for w in writes
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
    return await on_driver(driver, sync.dispatch, sync, sql, params, conn.invalidate)


def _with_taken(value: Any, taken: Mapping[str, str]) -> Any:
    if not isinstance(value, str):
        return value
    for stand_in, found in taken.items():
        value = value.replace(stand_in, found)
    return value


@functools.lru_cache(maxsize=512)
def _statement(
    templates: tuple[Template, ...],
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
