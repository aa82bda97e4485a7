"""Acting on an existing payment: confirm, capture, cancel, refund (§3)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Controller, Response, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from application.payments.cancel_payment import CancelPayment, CancelPaymentCommand
from application.payments.capture_payment import CapturePayment, CapturePaymentCommand
from application.payments.confirm_payment import ConfirmPayment, ConfirmPaymentCommand
from application.payments.refund_payment import RefundPayment, RefundPaymentCommand
from domain.payment import Payment
from entrypoints.http.edge.acting import Acting
from entrypoints.http.edge.auth import requires
from entrypoints.http.edge.dependencies import each_from_container
from entrypoints.http.edge.idempotency import documented_key
from entrypoints.http.edge.openapi import OptionalBodyOperation
from entrypoints.http.payments.outcome import documented, payment_outcome
from entrypoints.http.payments.resources import (
    PaymentResource,
    RefundResource,
    refund_resource,
)
from entrypoints.http.payments.schemas import (
    CancelBody,
    CaptureBody,
    ConfirmBody,
    RefundBody,
    parse_body,
)

_ACTED = documented(400, 401, 403, 404, 409, 502)


async def _answer(acting: Acting, run: Callable[[], Awaitable[Payment]]) -> Response[Any]:
    """The payment `run` leaves: 200, or 402 declined, or 202 outcome unknown."""

    async def respond() -> Response[Any]:
        return payment_outcome(acting.request, await run(), status=200)

    return await acting.once(respond)


class PaymentActionsController(Controller):
    path = "/payments/{payment_id:str}"
    tags = ["payments"]
    parameters = documented_key()
    dependencies = each_from_container(
        "confirm_payment", "capture_payment", "cancel_payment", "refund_payment"
    )

    @post(
        "/confirm",
        status_code=200,
        summary="Confirm with a payment method",
        operation_class=OptionalBodyOperation,
        responses=documented(400, 401, 402, 403, 404, 409, 502, unknown_outcome=True),
    )
    async def confirm(
        self,
        payment_id: FromPath[str],
        acting: NamedDependency[Acting],
        confirm_payment: NamedDependency[ConfirmPayment],
        data: JSONBody[ConfirmBody | None] = None,
    ) -> Response[PaymentResource]:
        body = await parse_body(acting.request, ConfirmBody)
        command = ConfirmPaymentCommand(acting.tenant_id, payment_id, body.payment_method)
        return await _answer(acting, lambda: confirm_payment.execute(command))

    @post(
        "/capture",
        status_code=200,
        summary="Capture, fully or in part",
        operation_class=OptionalBodyOperation,
        responses=_ACTED,
    )
    async def capture(
        self,
        payment_id: FromPath[str],
        acting: NamedDependency[Acting],
        capture_payment: NamedDependency[CapturePayment],
        data: JSONBody[CaptureBody | None] = None,
    ) -> Response[PaymentResource]:
        body = await parse_body(acting.request, CaptureBody)
        command = CapturePaymentCommand(acting.tenant_id, payment_id, body.amount, acting.actor)
        return await _answer(acting, lambda: capture_payment.execute(command))

    @post(
        "/cancel",
        status_code=200,
        summary="Cancel a payment not yet final",
        operation_class=OptionalBodyOperation,
        responses=_ACTED,
    )
    async def cancel(
        self,
        payment_id: FromPath[str],
        acting: NamedDependency[Acting],
        cancel_payment: NamedDependency[CancelPayment],
        data: JSONBody[CancelBody | None] = None,
    ) -> Response[PaymentResource]:
        body = await parse_body(acting.request, CancelBody)
        command = CancelPaymentCommand(
            acting.tenant_id, payment_id, body.cancellation_reason, acting.actor
        )
        return await _answer(acting, lambda: cancel_payment.execute(command))

    @post(
        "/refunds",
        status_code=201,
        summary="Refund, fully or in part (merchant_admin)",
        guards=[requires("merchant_admin")],
        operation_class=OptionalBodyOperation,
        responses=_ACTED,
    )
    async def refund(
        self,
        payment_id: FromPath[str],
        acting: NamedDependency[Acting],
        refund_payment: NamedDependency[RefundPayment],
        data: JSONBody[RefundBody | None] = None,
    ) -> Response[RefundResource]:
        body = await parse_body(acting.request, RefundBody)
        command = RefundPaymentCommand(
            acting.tenant_id, payment_id, body.amount, body.reason, acting.actor
        )

        return await acting.created(
            lambda: refund_payment.execute(command),
            lambda refunded: refund_resource(refunded.payment, refunded.refund),
        )
