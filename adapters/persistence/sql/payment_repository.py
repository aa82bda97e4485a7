"""The SQL payment repository: a payment row plus its refund rows, one aggregate."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    RowMapping,
    Select,
    and_,
    bindparam,
    delete,
    exists,
    literal,
    or_,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.persistence.sql.mapping import PAYMENT, payment_from_row, refund_rows
from adapters.persistence.sql.pagination import newest_first_page
from adapters.persistence.sql.payment_totals import payment_totals
from adapters.persistence.sql.statements import (
    WriteSource,
    hold_sqlite_write_lock,
    new_row,
    unique_violation,
    upserted_row,
    versioned_update,
)
from adapters.persistence.sql.tables import payments, refunds
from adapters.persistence.sql.write_batch import Write
from application.errors import DuplicatePaymentError
from application.ports.repositories import (
    DriftCutoffs,
    Page,
    PageRequest,
    PaymentFilter,
    PaymentTotals,
)
from domain.payment import ORDER_SETTLING_STATUSES, Payment
from domain.statuses import PaymentStatus, RefundState, RefundStatus

# How each database names a violation of the one unique index on (tenant_id, order_id).
_ORDER_CLAIM_VIOLATIONS = ("uq_payments_order_claim", "payments.tenant_id, payments.order_id")
_NEWEST_FIRST = (payments.c.created_at.desc(), payments.c.id.desc())


def _order_claim(payment: Payment) -> Callable[[IntegrityError], Exception | None] | None:
    """The unique index on claimed orders, spoken as the application's error."""
    if not payment.order_claim:
        return None
    return unique_violation(
        _ORDER_CLAIM_VIOLATIONS, lambda: DuplicatePaymentError.order_claimed(payment.order_id)
    )


# Built once, with bind parameters: an order's payments, newest first.
_FOR_ORDER = (
    select(payments)
    .where(
        payments.c.tenant_id == bindparam("tenant_id"),
        payments.c.order_id == bindparam("order_id"),
    )
    .order_by(*_NEWEST_FIRST)
)
# `Payment.is_settled_for_order` as SQL: the check a new payment's insert goes with.
_SETTLING_PAYMENT = (
    select(literal(1))
    .where(
        payments.c.tenant_id == bindparam("tenant_id"),
        payments.c.order_id == bindparam("order_id"),
        or_(*(payments.c.status == status.value for status in ORDER_SETTLING_STATUSES)),
        payments.c.refund_status != RefundStatus.FULL.value,
    )
    .limit(1)
)


class SqlPaymentRepository:
    def __init__(self, source: WriteSource, seen: list[Any]) -> None:
        self._source = source
        self._seen = seen  # aggregates whose events flow after commit

    async def add(self, payment: Payment) -> None:
        await self._source.write(
            new_row(
                self._source.dialect, payments, PAYMENT.to_row(payment), ["id"],
                f"Payment {payment.id}", violation=_order_claim(payment),
            )
        )  # fmt: skip
        await self._write_refunds(payment)
        self._seen.append(payment)

    async def get(
        self, tenant_id: str, payment_id: str, *, for_update: bool = False
    ) -> Payment | None:
        query = select(payments).where(
            payments.c.id == payment_id, payments.c.tenant_id == tenant_id
        )
        found = await self._load(query, for_update=for_update)
        return found[0] if found else None

    async def get_by_gateway_id(
        self, gateway_payment_id: str, *, for_update: bool = False
    ) -> Payment | None:
        query = select(payments).where(payments.c.gateway_payment_id == gateway_payment_id)
        found = await self._load(query, for_update=for_update)
        return found[0] if found else None

    async def lock_by_gateway_ids(self, gateway_payment_ids: Sequence[str]) -> Sequence[Payment]:
        if not gateway_payment_ids:
            return []
        query = (
            select(payments)
            .where(payments.c.gateway_payment_id.in_(sorted(set(gateway_payment_ids))))
            .order_by(payments.c.id)
        )
        return await self._load(query, for_update=True)

    async def save(self, payment: Payment) -> None:
        await self._source.write(
            versioned_update(
                payments, {"id": payment.id}, PAYMENT.to_row(payment), payment.version,
                f"Payment {payment.id}", _order_claim(payment),
            )
        )  # fmt: skip
        payment.version += 1
        await self._write_refunds(payment)
        self._seen.append(payment)

    async def discard(self, payment: Payment) -> None:
        conn = await self._source.connection()
        await conn.execute(delete(refunds).where(refunds.c.payment_id == payment.id))
        await conn.execute(delete(payments).where(payments.c.id == payment.id))

    async def for_order(self, tenant_id: str, order_id: str) -> Sequence[Payment]:
        conn = await self._source.single_statement()
        found = await conn.execute(_FOR_ORDER, {"tenant_id": tenant_id, "order_id": order_id})
        return await self._with_refunds(conn, found.mappings().all())

    async def refuse_settled_order(self, tenant_id: str, order_id: str) -> None:
        await self._source.write(
            Write(
                _SETTLING_PAYMENT,
                {"tenant_id": tenant_id, "order_id": order_id},
                expect=0,
                conflict=lambda: DuplicatePaymentError.order_claimed(order_id),
            )
        )

    async def needing_reconciliation(
        self, cutoffs: DriftCutoffs, limit: int, after_id: str | None = None
    ) -> Sequence[Payment]:
        """Across tenants, by id: `after_id` is the keyset cursor of the reconciliation job."""
        query = select(payments).where(_drifting(cutoffs))
        if after_id is not None:
            query = query.where(payments.c.id > after_id)
        return await self._load(query.order_by(payments.c.id).limit(limit))

    async def list(self, tenant_id: str, where: PaymentFilter, page: PageRequest) -> Page[Payment]:
        """Newest first; Stripe's cursors: any payment of the tenant's, filtered out or not
        (UnknownCursorError for any other id)."""
        owner = [payments.c.tenant_id == tenant_id]
        conn = await self._source.connection()
        found = await newest_first_page(
            conn, payments, [*owner, *_filters(where)], payments.c.created_at, page, owner=owner
        )
        return Page(await self._with_refunds(conn, found.data), found.has_more)

    async def _load(self, query: Select[Any], *, for_update: bool = False) -> Sequence[Payment]:
        if for_update:
            conn = await self._source.connection()
            await hold_sqlite_write_lock(conn)
            query = query.with_for_update(of=payments)
        else:
            conn = await self._source.single_statement()
        rows = (await conn.execute(query)).mappings().all()
        return await self._with_refunds(conn, rows)

    async def totals(
        self, tenant_id: str | None, created_gte: datetime | None, created_lt: datetime | None
    ) -> Sequence[PaymentTotals]:
        conn = await self._source.connection()
        return await payment_totals(conn, tenant_id, created_gte, created_lt)

    @staticmethod
    async def _with_refunds(conn: AsyncConnection, rows: Sequence[RowMapping]) -> Sequence[Payment]:
        """The payments of `rows`, each with its refunds (one more query for them all)."""
        if not rows:
            return []
        by_payment: dict[str, list[Any]] = {row["id"]: [] for row in rows}
        found = await conn.execute(
            select(refunds).where(refunds.c.payment_id.in_(list(by_payment)))
        )
        for refund in found.mappings():
            by_payment[refund["payment_id"]].append(refund)
        return [payment_from_row(row, by_payment[row["id"]]) for row in rows]

    async def _write_refunds(self, payment: Payment) -> None:
        """A refund is never removed: each row is written in place or added."""
        for row in refund_rows(payment):
            await self._source.write(upserted_row(self._source.dialect, refunds, row, ["id"]))


def _drifting(cutoffs: DriftCutoffs) -> ColumnElement[bool]:
    """The memory store's `needs_reconciliation` as SQL."""
    pending_refund = exists().where(
        refunds.c.payment_id == payments.c.id, refunds.c.status == RefundState.PENDING.value
    )
    stuck = (PaymentStatus.PROCESSING.value, PaymentStatus.REQUIRES_ACTION.value)
    return or_(
        payments.c.outcome_unknown.is_(True),
        and_(payments.c.status.in_(stuck), payments.c.updated_at < cutoffs.stuck_before),
        and_(
            payments.c.status == PaymentStatus.REQUIRES_CAPTURE.value,
            payments.c.created_at < cutoffs.authorized_before,
        ),
        pending_refund,
    )


def _filters(where: PaymentFilter) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    if where.status is not None:
        clauses.append(payments.c.status == PaymentStatus(where.status).value)
    if where.customer_id is not None:
        clauses.append(payments.c.customer_id == where.customer_id)
    if where.order_id is not None:
        clauses.append(payments.c.order_id == where.order_id)
    if where.created_gte is not None:
        clauses.append(payments.c.created_at >= where.created_gte)
    if where.created_lte is not None:
        clauses.append(payments.c.created_at <= where.created_lte)
    return clauses
