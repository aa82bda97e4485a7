"""`GET /payments/stats` (§8): a merchant's own figures; a platform admin's for one tenant
or all of them."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, get
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.handlers.base import BaseRouteHandler
from litestar.params import QueryParameter

from application.access import Principal
from application.errors import NotFoundError
from application.payments.stats import CurrencyStats, PaymentStatistics
from entrypoints.http.edge.auth import authenticate
from entrypoints.http.edge.dependencies import each_from_container
from entrypoints.http.edge.errors import ApiError
from entrypoints.http.edge.pagination import parse_instant
from entrypoints.http.platform.docs import documented

READERS = ("merchant", "platform_admin")
_INSTANT = "ISO 8601 (e.g. 2026-01-01T00:00:00Z) or Unix seconds"
# What parse_instant reads: a date-time, or a count of seconds.
_INSTANT_SCHEMA = {"anyOf": [{"format": "date-time"}, {"pattern": "^[0-9]{1,11}$"}]}


class CurrencyStatsResource(msgspec.Struct):
    currency: str
    counts: dict[str, int]
    gross: int
    captured: int
    refunded: int
    platform_fees: int
    platform_fees_reversed: int
    gateway_fees: int
    net: int
    success_rate: str | None  # a decimal fraction with 4 places ("0.9524"), never a float
    refund_rate: str | None
    disputes: int


class PaymentStatsResource(msgspec.Struct):
    object: str
    tenant_id: str | None  # None: every tenant (platform_admin)
    start: str | None = msgspec.field(name="from")
    end: str | None = msgspec.field(name="to")
    data: list[CurrencyStatsResource] = msgspec.field(default_factory=list)


def stats_reader(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """A guard: merchants read their tenant's figures, platform admins anyone's."""
    if not any(authenticate(connection).has(role) for role in READERS):
        raise ApiError(
            403, "permission_error", "insufficient_role",
            "This needs the merchant or platform_admin role.",
        )  # fmt: skip


def currency_stats_resource(stats: CurrencyStats) -> CurrencyStatsResource:
    t = stats.totals
    return CurrencyStatsResource(
        currency=t.currency.lower(),
        counts=dict(sorted(t.counts.items())),
        gross=t.gross,
        captured=t.captured,
        refunded=t.refunded,
        platform_fees=t.platform_fees,
        platform_fees_reversed=t.platform_fees_reversed,
        gateway_fees=t.gateway_fees,
        net=stats.net,
        success_rate=None if stats.success_rate is None else str(stats.success_rate),
        refund_rate=None if stats.refund_rate is None else str(stats.refund_rate),
        disputes=t.disputed,
    )


class PaymentStatsController(Controller):
    path = "/payments/stats"
    tags = ["payments"]
    guards = [stats_reader]
    dependencies = each_from_container("payment_statistics")

    @get(
        "/",
        summary="Payment statistics per currency (merchant: own tenant; platform_admin: any)",
        description=(
            "Over the payments created in [`from`, `to`): counts by status; amounts asked "
            "(`gross`), captured, refunded; fees taken and given back; `net` (captured less "
            "fees); `success_rate` = succeeded ÷ (succeeded + failed); `refund_rate` = "
            "refunded ÷ captured (decimal strings, null when undefined); disputes."
        ),
        responses=documented(400, 401, 403, 404),
    )
    async def stats(
        self,
        principal: NamedDependency[Principal],
        payment_statistics: NamedDependency[PaymentStatistics],
        start: Annotated[
            str | None,
            QueryParameter(name="from", description=_INSTANT, schema_extra=_INSTANT_SCHEMA),
        ] = None,
        end: Annotated[
            str | None,
            QueryParameter(name="to", description=_INSTANT, schema_extra=_INSTANT_SCHEMA),
        ] = None,
        tenant_id: Annotated[
            str | None,
            QueryParameter(
                min_length=1,
                max_length=255,
                description="platform_admin: one tenant (default: every tenant). A merchant "
                "sees its own tenant only.",
            ),
        ] = None,
    ) -> PaymentStatsResource:
        if not principal.may_read(tenant_id):
            raise NotFoundError(f"No such tenant: {tenant_id}.", param="tenant_id")
        tenant_id = principal.read_scope(tenant_id)
        since, until = parse_instant(start, "from"), parse_instant(end, "to")
        found = await payment_statistics.execute(tenant_id, since, until)
        return PaymentStatsResource(
            object="payment_stats",
            tenant_id=tenant_id,
            start=since.isoformat().replace("+00:00", "Z") if since else None,
            end=until.isoformat().replace("+00:00", "Z") if until else None,
            data=[currency_stats_resource(stats) for stats in found],
        )
