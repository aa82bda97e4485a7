"""The §8 statistics as two GROUP BY queries over the payments of a window (and their
succeeded refunds' fee reversals), on the (tenant_id, created_at) index."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.persistence.sql.tables import payments, refunds
from application.ports.repositories import PaymentTotals
from domain.statuses import DisputeStatus, RefundState

_p = payments.c


def _window(
    tenant_id: str | None, created_gte: datetime | None, created_lt: datetime | None
) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if tenant_id is not None:
        where.append(_p.tenant_id == tenant_id)
    if created_gte is not None:
        where.append(_p.created_at >= created_gte)
    if created_lt is not None:
        where.append(_p.created_at < created_lt)
    return where


async def payment_totals(
    conn: AsyncConnection,
    tenant_id: str | None,
    created_gte: datetime | None,
    created_lt: datetime | None,
) -> Sequence[PaymentTotals]:
    where = _window(tenant_id, created_gte, created_lt)
    disputed = case((_p.dispute_status != DisputeStatus.NONE.value, 1), else_=0)
    by_status = (
        select(
            _p.currency,
            _p.status,
            func.count(),
            func.sum(_p.amount),
            func.sum(_p.amount_captured),
            func.sum(_p.amount_refunded),
            func.sum(_p.platform_fee),
            func.sum(_p.gateway_fee),
            func.sum(disputed),
        )
        .where(*where)
        .group_by(_p.currency, _p.status)
    )
    reversed_fees = (
        select(_p.currency, func.sum(refunds.c.platform_fee_reversed))
        .select_from(refunds.join(payments, refunds.c.payment_id == _p.id))
        .where(*where, refunds.c.status == RefundState.SUCCEEDED.value)
        .group_by(_p.currency)
    )
    sums: dict[str, dict[str, Any]] = defaultdict(lambda: defaultdict(int))
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for currency, status, count, *amounts in await conn.execute(by_status):
        counts[currency][status] = int(count)
        names = ("gross", "captured", "refunded", "platform_fees", "gateway_fees", "disputed")
        for name, value in zip(names, amounts, strict=True):
            sums[currency][name] += int(value or 0)
    for currency, value in await conn.execute(reversed_fees):
        sums[currency]["platform_fees_reversed"] = int(value or 0)
    return [
        PaymentTotals(
            currency=currency,
            counts=counts[currency],
            gross=sums[currency]["gross"],
            captured=sums[currency]["captured"],
            refunded=sums[currency]["refunded"],
            platform_fees=sums[currency]["platform_fees"],
            platform_fees_reversed=sums[currency]["platform_fees_reversed"],
            gateway_fees=sums[currency]["gateway_fees"],
            disputed=sums[currency]["disputed"],
        )
        for currency in sorted(counts)
    ]
