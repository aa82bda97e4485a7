"""Acting on an existing payment: confirm, capture, cancel, refund (§3)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from litestar import Controller, Request, Response, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody
from msgspec import Struct

from application.access import Principal
from application.idempotency import IdempotencyContext, IdempotencyService
from application.payments.cancel_payment import CancelPayment, CancelPaymentCommand
from application.payments.capture_payment import CapturePayment, CapturePaymentCommand
from application.payments.confirm_payment import ConfirmPayment, ConfirmPaymentCommand
from application.payments.refund_payment import RefundPayment, RefundPaymentCommand
from domain.audit import Actor
from domain.payment import Payment
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

B = TypeVar("B", bound=Struct)

_ACTED = documented(400, 401, 403, 404, 409, 502)


class PaymentAction:
    """What every action on a payment shares besides its body and use case: the request,
    the caller, and the Idempotency-Key that gives a retry the first answer."""

    def __init__(
        self,
        request: Request[Any, Any, Any],
        principal: Principal,
        idempotency: IdempotencyService,
    ) -> None:
        self._request = request
        self._principal = principal
        self._idempotency = idempotency

    @property
    def tenant_id(self) -> str:
        return self._principal.tenant_id

    @property
    def actor(self) -> Actor:
        return actor_of(self._request, self._principal)

    async def body(self, model: type[B]) -> B:
        return await parse_body(self._request, model)

    async def answer(self, run: Callable[[], Awaitable[Payment]]) -> Response[Any]:
        """The payment `run` leaves: 200, or 402 declined, or 202 outcome unknown."""

        async def respond() -> Response[Any]:
            return payment_outcome(self._request, await run(), status=200)

        return await self.once(respond)

    async def once(self, respond: Callable[[], Awaitable[Response[Any]]]) -> Response[Any]:
        async def act(_: IdempotencyContext | None) -> Response[Any]:
            return await respond()

        return await run_idempotent(
            self._request, self._principal.tenant_id, self._idempotency, act
        )


class PaymentActionsController(Controller):
    path = "/payments/{payment_id:str}"
    tags = ["payments"]
    parameters = documented_key()
    dependencies = {
        "action": Provide(PaymentAction, sync_to_thread=False),
        **{
            name: from_container(name)
            for name in ("confirm_payment", "capture_payment", "cancel_payment", "refund_payment")
        },
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
        payment_id: FromPath[str],
        action: NamedDependency[PaymentAction],
        confirm_payment: NamedDependency[ConfirmPayment],
        data: JSONBody[ConfirmBody | None] = None,
    ) -> Response[PaymentResource]:
        body = await action.body(ConfirmBody)
        command = ConfirmPaymentCommand(action.tenant_id, payment_id, body.payment_method)
        return await action.answer(lambda: confirm_payment.execute(command))

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
        action: NamedDependency[PaymentAction],
        capture_payment: NamedDependency[CapturePayment],
        data: JSONBody[CaptureBody | None] = None,
    ) -> Response[PaymentResource]:
        body = await action.body(CaptureBody)
        command = CapturePaymentCommand(action.tenant_id, payment_id, body.amount, action.actor)
        return await action.answer(lambda: capture_payment.execute(command))

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
        action: NamedDependency[PaymentAction],
        cancel_payment: NamedDependency[CancelPayment],
        data: JSONBody[CancelBody | None] = None,
    ) -> Response[PaymentResource]:
        body = await action.body(CancelBody)
        command = CancelPaymentCommand(
            action.tenant_id, payment_id, body.cancellation_reason, action.actor
        )
        return await action.answer(lambda: cancel_payment.execute(command))

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
        action: NamedDependency[PaymentAction],
        refund_payment: NamedDependency[RefundPayment],
        data: JSONBody[RefundBody | None] = None,
    ) -> Response[RefundResource]:
        body = await action.body(RefundBody)
        command = RefundPaymentCommand(
            action.tenant_id, payment_id, body.amount, body.reason, action.actor
        )

        async def respond() -> Response[Any]:
            result = await refund_payment.execute(command)
            return json_response(encode(refund_resource(result.payment, result.refund)), 201)

        return await action.once(respond)
