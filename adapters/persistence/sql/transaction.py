"""What a SQL unit of work's repositories ask for: its connection, checked out on first
use, and on PostgreSQL its writes, waiting in a `WriteBatch` until something needs the
database (a read in the transaction, the commit).

On PostgreSQL the transaction begins only when something needs it: plain reads before
it run in autocommit (under READ COMMITTED each statement has its own snapshot inside a
transaction too), writes wait, and a unit of work that only read and then wrote is one
statement at commit, with no BEGIN or COMMIT.

The repositories hold this, not the unit of work that holds them, so a finished unit of
work is freed at once by reference counting: a cycle (unit of work → repository → unit
of work) left 42 objects a charge to the cyclic collector, whose full passes over the
heap came every half second under load (4-21 ms each).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql.dml import UpdateBase

from adapters.persistence.sql.driver import read_on_lent
from adapters.persistence.sql.engine import lends_at_once
from adapters.persistence.sql.write_batch import Write, WriteBatch, run_now


class SqlTransaction:
    """One transaction on one connection, as the `WriteSource` its repositories use.

    Commit and rollback give the connection back, so with SQLite's single pooled
    connection a unit of work that is open but idle (waiting on a gateway) blocks no one.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._conn: AsyncConnection | None = None
        # PostgreSQL: writes wait here, and the transaction begins when first needed.
        self._batch = WriteBatch() if engine.dialect.name == "postgresql" else None
        self._in_transaction = self._batch is None
        self._lends = lends_at_once(engine.sync_engine)  # PostgreSQL engines only

    @property
    def dialect(self) -> str:
        return self._engine.dialect.name

    async def connection(self) -> AsyncConnection:
        """The connection in the transaction, every waiting write sent."""
        conn = await self._in_transaction_now()
        if self._batch:
            await self._batch.send(conn)
        return conn

    async def _in_transaction_now(self) -> AsyncConnection:
        if self._conn is None:  # checked out for the transaction: no autocommit first
            self._conn = await self._engine.connect()
            self._in_transaction = True
        conn = self._conn
        if not self._in_transaction:
            if conn.in_transaction():  # SQLAlchemy's own, over autocommit: nothing to end
                await conn.commit()
            await conn.execution_options(isolation_level=conn.default_isolation_level)
            self._in_transaction = True
        return conn

    async def single_statement(self) -> AsyncConnection:
        """A connection for a statement that needs no transaction around it: a plain
        read (no lock, no snapshot shared with other reads), or a write that stands on
        its own. Outside a transaction (autocommit: such a write is kept at once, whatever
        the unit of work does next) until the unit of work writes or locks."""
        if self._in_transaction or self._batch:
            return await self.connection()
        return await self._checked_out()

    async def rows(
        self, statement: Select[Any] | UpdateBase, params: Mapping[str, Any]
    ) -> Sequence[Mapping[Any, Any]]:
        """A statement that stands on its own, as `single_statement` runs one, and its
        rows by column name. Before the unit of work has a connection or a waiting write,
        on PostgreSQL, it goes to the driver on a lent connection (`read_on_lent`): no
        greenlet hop and no SQLAlchemy result, where checking out, setting autocommit,
        executing and closing an `AsyncConnection` took six hops (the portal's warm view
        runs two such statements)."""
        if self._lends and self._conn is None and not self._batch:
            return await read_on_lent(self._engine, statement, params)
        conn = await self.single_statement()
        return (await conn.execute(statement, params)).mappings().all()

    async def write(self, write: Write) -> None:
        """Run `write` now (SQLite), or queue it to go with the next statement (PostgreSQL).
        Its error (a conflict, a unique violation) is raised now or at that statement."""
        if self._batch is None:
            await run_now(await self.connection(), write)
            return
        if self._batch.changes(write):  # one row twice: the first must go before
            await self.connection()
        self._batch.add(write)

    async def _checked_out(self) -> AsyncConnection:
        if self._conn is None:
            self._conn = await self._engine.connect()
            if not self._in_transaction:
                await self._conn.execution_options(isolation_level="AUTOCOMMIT")
        return self._conn

    async def commit(self) -> None:
        """Send what waits and end the transaction, giving the connection back."""
        if self._batch:  # in the transaction, or alone: one statement is atomic
            if self._conn is None:  # nothing read or locked: the statement is the work
                await self._batch.send_alone(self._engine)
            else:
                await self._batch.send(self._conn, autocommit=not self._in_transaction)
        await self._end(commit=True)

    async def rollback(self) -> None:
        """Forget what waits and end the transaction, giving the connection back."""
        if self._batch is not None:
            self._batch.clear()
        await self._end(commit=False)

    async def _end(self, *, commit: bool) -> None:
        conn, self._conn = self._conn, None
        self._in_transaction = self._batch is None
        if conn is None:
            return
        try:
            if commit:
                await conn.commit()
            else:
                await conn.rollback()
        finally:
            await conn.close()
