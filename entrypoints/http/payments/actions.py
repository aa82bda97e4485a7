"""Acting on an existing payment: confirm, capture, cancel, refund (§3)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from application.access import Principal
from application.idempotency import IdempotencyContext, IdempotencyService
from application.payments.cancel_payment import CancelPayment, CancelPaymentCommand
from application.payments.capture_payment import CapturePayment, CapturePaymentCommand
from application.payments.confirm_payment import ConfirmPayment, ConfirmPaymentCommand
from application.payments.refund_payment import RefundPayment, RefundPaymentCommand
from entrypoints.http.edge.actor import actor_of
from entrypoints.http.edge.auth import requires
from entrypoints.http.edge.dependencies import from_container
from entrypoints.http.edge.idempotency import documented_key, run_idempotent
from entrypoints.http.edge.openapi import OptionalBodyOperation
from entrypoints.http.payments.outcome import documented, json_response, payment_outcome
from entrypoints.http.payments.resources import (
    PaymentResource,
    RefundResource,
    encode,
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


class PaymentActionsController(Controller):
    path = "/payments/{payment_id:str}"
    tags = ["payments"]
    parameters = documented_key()
    dependencies = {
        name: from_container(name)
        for name in ("confirm_payment", "capture_payment", "cancel_payment", "refund_payment")
    }

    @post(
        "/confirm",
        status_code=200,
        summary="Confirm with a payment method",
        operation_class=OptionalBodyOperation,
        responses=documented(400, 401, 402, 403, 404, 409, 502, unknown_outcome=True),
    )
    async def confirm(
        self,
        request: Request[Any, Any, Any],
        payment_id: FromPath[str],
        principal: NamedDependency[Principal],
        idempotency: NamedDependency[IdempotencyService],
        confirm_payment: NamedDependency[ConfirmPayment],
        data: JSONBody[ConfirmBody | None] = None,
    ) -> Response[PaymentResource]:
        body = await parse_body(request, ConfirmBody)
        command = ConfirmPaymentCommand(principal.tenant_id, payment_id, body.payment_method)

        async def act(_: IdempotencyContext | None) -> Response[Any]:
            return payment_outcome(request, await confirm_payment.execute(command), status=200)

        return await run_idempotent(request, principal.tenant_id, idempotency, act)

    @post(
        "/capture",
        status_code=200,
        summary="Capture, fully or in part",
        operation_class=OptionalBodyOperation,
        responses=_ACTED,
    )
    async def capture(
        self,
        request: Request[Any, Any, Any],
        payment_id: FromPath[str],
        principal: NamedDependency[Principal],
        idempotency: NamedDependency[IdempotencyService],
        capture_payment: NamedDependency[CapturePayment],
        data: JSONBody[CaptureBody | None] = None,
    ) -> Response[PaymentResource]:
        body = await parse_body(request, CaptureBody)
        command = CapturePaymentCommand(
            principal.tenant_id, payment_id, body.amount, actor_of(request, principal)
        )

        async def act(_: IdempotencyContext | None) -> Response[Any]:
            return payment_outcome(request, await capture_payment.execute(command), status=200)

        return await run_idempotent(request, principal.tenant_id, idempotency, act)

    @post(
        "/cancel",
        status_code=200,
        summary="Cancel a payment not yet final",
        operation_class=OptionalBodyOperation,
        responses=_ACTED,
    )
    async def cancel(
        self,
        request: Request[Any, Any, Any],
        payment_id: FromPath[str],
        principal: NamedDependency[Principal],
        idempotency: NamedDependency[IdempotencyService],
        cancel_payment: NamedDependency[CancelPayment],
        data: JSONBody[CancelBody | None] = None,
    ) -> Response[PaymentResource]:
        body = await parse_body(request, CancelBody)
        command = CancelPaymentCommand(
            principal.tenant_id,
            payment_id,
            body.cancellation_reason,
            actor_of(request, principal),
        )

        async def act(_: IdempotencyContext | None) -> Response[Any]:
            return payment_outcome(request, await cancel_payment.execute(command), status=200)

        return await run_idempotent(request, principal.tenant_id, idempotency, act)

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
        request: Request[Any, Any, Any],
        payment_id: FromPath[str],
        principal: NamedDependency[Principal],
        idempotency: NamedDependency[IdempotencyService],
        refund_payment: NamedDependency[RefundPayment],
        data: JSONBody[RefundBody | None] = None,
    ) -> Response[RefundResource]:
        body = await parse_body(request, RefundBody)
        command = RefundPaymentCommand(
            principal.tenant_id, payment_id, body.amount, body.reason, actor_of(request, principal)
        )

        async def act(_: IdempotencyContext | None) -> Response[Any]:
            result = await refund_payment.execute(command)
            return json_response(encode(refund_resource(result.payment, result.refund)), 201)

        return await run_idempotent(request, principal.tenant_id, idempotency, act)
