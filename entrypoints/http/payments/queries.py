"""Reading payments: one, a filtered page, an order's (§8, tenant-scoped)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, QueryParameter

from application.access import Principal
from application.payments.queries import GetPayment, ListOrderPayments, ListPayments
from application.ports.repositories import PaymentFilter
from domain.statuses import PaymentStatus
from entrypoints.http.edge.dependencies import each_from_container
from entrypoints.http.edge.pagination import Limit, Text, page_request, parse_instant
from entrypoints.http.payments.outcome import documented
from entrypoints.http.payments.resources import (
    PaymentList,
    PaymentResource,
    payment_list,
    payment_resource,
)

_ISO = "ISO 8601, e.g. 2025-01-31T12:00:00Z, or Unix seconds"
# What parse_instant reads: a date-time, or a count of seconds.
_INSTANT = {"anyOf": [{"format": "date-time"}, {"pattern": "^[0-9]{1,11}$"}]}


class PaymentQueriesController(Controller):
    path = "/payments"
    tags = ["payments"]
    dependencies = each_from_container("get_payment", "list_payments")

    @get("/{payment_id:str}", summary="Retrieve a payment", responses=documented(401, 403, 404))
    async def retrieve(
        self,
        payment_id: FromPath[str],
        principal: NamedDependency[Principal],
        get_payment: NamedDependency[GetPayment],
    ) -> PaymentResource:
        return payment_resource(await get_payment.execute(principal.tenant_id, payment_id))

    @get("/", summary="List payments, newest first", responses=documented(400, 401, 403))
    async def list_payments(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        list_payments: NamedDependency[ListPayments],
        limit: Limit = 10,
        starting_after: Text = None,
        ending_before: Text = None,
        status: FromQuery[PaymentStatus | None] = None,
        customer_id: Text = None,
        order_id: Text = None,
        created_gte: Annotated[
            str | None,
            QueryParameter(name="created_at[gte]", description=_ISO, schema_extra=_INSTANT),
        ] = None,
        created_lte: Annotated[
            str | None,
            QueryParameter(name="created_at[lte]", description=_ISO, schema_extra=_INSTANT),
        ] = None,
    ) -> PaymentList:
        where = PaymentFilter(
            status=status,
            customer_id=customer_id,
            order_id=order_id,
            created_gte=parse_instant(created_gte, "created_at[gte]"),
            created_lte=parse_instant(created_lte, "created_at[lte]"),
        )
        page = page_request(limit, starting_after, ending_before)
        found = await list_payments.execute(principal.tenant_id, where, page)
        return payment_list(found.data, found.has_more, request.url.path)


class OrderPaymentsController(Controller):
    path = "/orders"
    tags = ["payments"]
    dependencies = each_from_container("list_order_payments")

    @get(
        "/{order_id:str}/payments",
        summary="An order's payments, newest first",
        responses=documented(401, 403),
    )
    async def order_payments(
        self,
        request: Request[Any, Any, Any],
        order_id: FromPath[str],
        principal: NamedDependency[Principal],
        list_order_payments: NamedDependency[ListOrderPayments],
    ) -> PaymentList:
        payments = await list_order_payments.execute(principal.tenant_id, order_id)
        return payment_list(payments, False, request.url.path)
