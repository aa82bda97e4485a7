"""The SQL receipts and their counters: one row per tenant and year, bumped in the
issuing transaction (INSERT … ON CONFLICT DO UPDATE … RETURNING), so numbers are gapless;
on PostgreSQL in the very statement that commits it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Integer,
    String,
    Text,
    bindparam,
    cast,
    exists,
    func,
    literal,
    select,
    table,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import UpdateBase
from sqlalchemy.sql.expression import Selectable

from adapters.persistence.sql.mapping import RECEIPT
from adapters.persistence.sql.statements import WriteSource, new_row
from adapters.persistence.sql.tables import receipt_counters, receipts
from adapters.persistence.sql.write_batch import Write
from application.errors import StaleAggregateError
from domain.receipt import Receipt, receipt_number

_counter = receipt_counters.c
# What a receipt's number reads until its statement takes it (PostgreSQL), + payment id.
_STAND_IN = "kassa:receipt-number-of:"


def _bump(insert: Any, first: Selectable, taken: Any) -> UpdateBase:
    """INSERT the tenant's counter for the year at 1, or increment it, from `first` (its
    tenant, year and 1), RETURNING `taken`. The row stays held until the transaction
    ends (PostgreSQL's row lock; SQLite's one write lock)."""
    stmt = insert(receipt_counters).from_select(
        [_counter.tenant_id, _counter.year, _counter.last_sequence], first
    )
    bumped: UpdateBase = stmt.on_conflict_do_update(
        index_elements=["tenant_id", "year"],
        set_={"last_sequence": _counter.last_sequence + 1},
    ).returning(taken)
    return bumped


_FIRST = select(bindparam("tenant_id", type_=String), bindparam("year", type_=Integer), literal(1))
# SQLite: the next sequence, unless the payment has its receipt (then no row comes back).
_BUMP_SQLITE = _bump(
    sqlite.insert,
    _FIRST.where(~exists().where(receipts.c.payment_id == bindparam("payment_id", type_=String))),
    _counter.last_sequence,
)


def _number() -> Any:
    """`receipt_number` in SQL: R-{year}-{sequence:06d}."""
    sequence = cast(_counter.last_sequence, Text)
    digits = func.lpad(sequence, func.greatest(6, func.length(sequence)), "0")
    return literal("R-", Text) + cast(_counter.year, Text) + literal("-", Text) + digits


# PostgreSQL: the next number as a batched write (see `Write.stand_in`), after the unit of
# work's other waiting writes (FROM kassa_sent: the payment's change, so the payment's row
# lock comes before the counter's, as on every path), in the statement that commits, so
# the counter's row is held for that statement alone. It RETURNs the number itself as
# `taken`. A payment that has its receipt already is refused by the receipt's insert,
# which undoes the bump.
_BUMP_POSTGRESQL = _bump(
    postgresql.insert, _FIRST.select_from(table("kassa_sent")), _number().label("taken")
)


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

    async def next_number(self, tenant_id: str, year: int, payment_id: str) -> str | None:
        params = {"tenant_id": tenant_id, "year": year, "payment_id": payment_id}
        if self._source.dialect == "postgresql":
            stand_in = f"{_STAND_IN}{payment_id}"
            await self._source.write(
                Write(
                    _BUMP_POSTGRESQL, params, expect=1, stand_in=stand_in,
                    row=(receipt_counters.name, tenant_id, year),
                )
            )  # fmt: skip
            return stand_in
        conn = await self._source.connection()
        taken = (await conn.execute(_BUMP_SQLITE, params)).scalar_one_or_none()
        return receipt_number(year, int(taken)) if taken is not None else None
