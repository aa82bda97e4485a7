"""The customer portal's invoice, payments and history (SPEC §7), reached by a link."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from application.payments.queries import ListPayments
from application.portal.authenticate import PortalSession
from application.portal.pay import (
    ConfirmPortalPayment,
    CreatePortalIntent,
    PortalPaymentCommand,
)
from application.portal.view import PortalInvoiceView
from application.ports.repositories import PaymentFilter
from domain.statuses import PaymentStatus
from entrypoints.http.customers.schemas import PortalConfirmBody, PortalIntentBody, parse_checked
from entrypoints.http.edge.dependencies import each_from_container
from entrypoints.http.edge.openapi import OptionalBodyOperation
from entrypoints.http.edge.pagination import Cursor, Limit, page_request
from entrypoints.http.edge.rate_limits import PAY, VIEW, bucket
from entrypoints.http.payments.outcome import card_error_response, json_response
from entrypoints.http.payments.resources import encode
from entrypoints.http.portal.resources import (
    PortalHistory,
    PortalIntentResource,
    PortalInvoiceResource,
    PortalPaymentResource,
    portal_history,
    portal_intent_resource,
    portal_invoice_resource,
    portal_payment_resource,
)
from entrypoints.http.portal.session import portal_responses


class PortalController(Controller):
    path = "/"
    tags = ["portal"]
    dependencies = each_from_container(
        "create_portal_intent", "confirm_portal_payment", "list_payments"
    )

    @get(
        "/invoice",
        opt=bucket(VIEW),
        summary="The link's invoice and the customer's balance",
        description="A link for the whole account shows the oldest open invoice.",
        responses=portal_responses(401, 404, 429),
    )
    async def invoice(
        self, portal_view: NamedDependency[PortalInvoiceView]
    ) -> PortalInvoiceResource:
        return portal_invoice_resource(portal_view)

    @post(
        "/create-intent",
        status_code=201,
        opt=bucket(PAY),
        summary="Start paying the invoice (by default, all that is due)",
        operation_class=OptionalBodyOperation,
        responses=portal_responses(400, 401, 404, 409, 429, 502),
    )
    async def create_intent(
        self,
        request: Request[Any, Any, Any],
        portal_session: NamedDependency[PortalSession],
        create_portal_intent: NamedDependency[CreatePortalIntent],
        data: JSONBody[PortalIntentBody | None] = None,
    ) -> PortalIntentResource:
        body = await parse_checked(request, PortalIntentBody)
        command = PortalPaymentCommand(portal_session, body.amount)
        return portal_intent_resource(await create_portal_intent.execute(command))

    @post(
        "/confirm",
        status_code=200,
        opt=bucket(PAY),
        summary="Confirm a payment; its outcome comes from the gateway, never the client",
        responses=portal_responses(400, 401, 402, 404, 409, 429, 502),
    )
    async def confirm(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[PortalConfirmBody],
        portal_session: NamedDependency[PortalSession],
        confirm_portal_payment: NamedDependency[ConfirmPortalPayment],
    ) -> Response[PortalPaymentResource]:
        body = await parse_checked(request, PortalConfirmBody)
        payment = await confirm_portal_payment.execute(
            portal_session, body.payment_intent_id, body.payment_method
        )
        if payment.status is PaymentStatus.FAILED:
            return card_error_response(request, payment)
        return json_response(encode(portal_payment_resource(payment)), 200)

    @get(
        "/history",
        opt=bucket(VIEW),
        summary="The customer's payments, newest first",
        responses=portal_responses(400, 401, 429),
    )
    async def history(
        self,
        portal_session: NamedDependency[PortalSession],
        list_payments: NamedDependency[ListPayments],
        limit: Limit = 10,
        starting_after: Cursor = None,
        ending_before: Cursor = None,
    ) -> PortalHistory:
        page = page_request(limit, starting_after, ending_before)
        mine = PaymentFilter(customer_id=portal_session.customer_id)
        found = await list_payments.execute(portal_session.tenant_id, mine, page)
        return portal_history(found.data, found.has_more)
