"""The SQL receipts and their counters: one row per tenant and year, bumped in the
issuing transaction (INSERT … ON CONFLICT DO UPDATE … RETURNING), so numbers are gapless."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer, String, bindparam, exists, literal, select, table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import UpdateBase

from adapters.persistence.sql.mapping import RECEIPT
from adapters.persistence.sql.statements import WriteSource, new_row
from adapters.persistence.sql.tables import receipt_counters, receipts
from adapters.persistence.sql.write_batch import Write
from application.errors import StaleAggregateError
from domain.receipt import Receipt

_counter = receipt_counters.c


def _bump(dialect: str) -> UpdateBase:
    """Take the next number unless the payment has its receipt: the row is created at 1
    or incremented, and stays locked by this transaction until it ends (PostgreSQL's row
    lock; SQLite's one write lock). No row comes back when the receipt exists."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    first = select(
        bindparam("tenant_id", type_=String), bindparam("year", type_=Integer), literal(1)
    ).where(~exists().where(receipts.c.payment_id == bindparam("payment_id", type_=String)))
    if dialect == "postgresql":  # after the unit of work's waiting writes, in one statement
        first = first.select_from(table("kassa_sent"))
    stmt = insert(receipt_counters).from_select(
        [_counter.tenant_id, _counter.year, _counter.last_sequence], first
    )
    return stmt.on_conflict_do_update(
        index_elements=["tenant_id", "year"],
        set_={"last_sequence": _counter.last_sequence + 1},
    ).returning(_counter.last_sequence)


_BUMP = {name: _bump(name) for name in ("postgresql", "sqlite")}


class SqlReceiptRepository:
    def __init__(self, source: WriteSource, seen: list[Any]) -> None:
        self._source = source
        self._seen = seen  # aggregates whose events flow after commit

    async def add(self, receipt: Receipt) -> None:
        await self._source.write(
            new_row(
                self._source.dialect, receipts, RECEIPT.to_row(receipt), ["payment_id"], "",
                taken=lambda: StaleAggregateError(
                    f"Payment {receipt.payment_id} has a receipt already."
                ),
            )
        )  # fmt: skip
        self._seen.append(receipt)

    async def for_payment(self, tenant_id: str, payment_id: str) -> Receipt | None:
        conn = await self._source.single_statement()
        query = select(receipts).where(
            receipts.c.tenant_id == tenant_id, receipts.c.payment_id == payment_id
        )
        row = (await conn.execute(query)).mappings().one_or_none()
        return RECEIPT.from_row(row) if row is not None else None

    async def get(self, receipt_id: str) -> Receipt | None:
        conn = await self._source.connection()
        row = (
            (await conn.execute(select(receipts).where(receipts.c.id == receipt_id)))
            .mappings()
            .one_or_none()
        )
        return RECEIPT.from_row(row) if row is not None else None

    async def next_sequence(self, tenant_id: str, year: int, payment_id: str) -> int | None:
        params = {"tenant_id": tenant_id, "year": year, "payment_id": payment_id}
        result = await self._source.after_writes(Write(_BUMP[self._source.dialect], params))
        taken = result.scalar_one_or_none()
        return int(taken) if taken is not None else None
