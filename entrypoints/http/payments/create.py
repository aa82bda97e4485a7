"""Creating payments: an intent to confirm later, an authorization, or a charge (§3)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Controller, Request, Response, post
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.handlers import HTTPRouteHandler
from litestar.params import JSONBody
from litestar.status_codes import HTTP_202_ACCEPTED

from application.access import Principal
from application.idempotency import IdempotencyContext, IdempotencyService
from application.payments.create_payment import CreatePayment, CreatePaymentCommand
from domain.capture_method import CaptureMethod
from domain.payment import Payment
from entrypoints.http.edge.auth import authenticate
from entrypoints.http.edge.idempotency import documented_key, run_idempotent
from entrypoints.http.payments.outcome import documented, payment_outcome
from entrypoints.http.payments.resources import PaymentResource
from entrypoints.http.payments.schemas import CreateIntentBody, CreatePaymentBody, parse_body

CREATE_RESPONSES = documented(400, 401, 402, 403, 404, 409, 502, unknown_outcome=True)


def _confirming_handler(path: str, summary: str, capture_method: CaptureMethod) -> HTTPRouteHandler:
    """Authorize and charge: one handler, confirming at once with the body's payment
    method; they differ only in when the authorization is captured."""

    async def handler(
        self: Controller,
        request: Request[Any, Any, Any],
        data: JSONBody[CreatePaymentBody],
        creating: NamedDependency[Creating],
    ) -> Response[PaymentResource]:
        body = await parse_body(request, CreatePaymentBody)
        return await _create(request, body, creating, capture_method)

    # The name gives the OpenAPI operationId (ApiV1PaymentsChargeCharge).
    handler.__name__ = handler.__qualname__ = path.strip("/")
    return post(path, status_code=201, summary=summary, responses=CREATE_RESPONSES)(handler)


@dataclass(frozen=True, slots=True)
class Creating:
    """What creating a payment needs besides its body, as the handler's one dependency:
    Litestar resolves two or more in an anyio task group (litestar#4563), 150 µs of CPU
    a request here, on the hottest path."""

    principal: Principal
    idempotency: IdempotencyService
    create_payment: CreatePayment


def provide_creating(request: Request[Any, Any, Any], state: State) -> Creating:
    """Asks the container per request, as `from_container` does (overrides take effect)."""
    container = state.container
    return Creating(authenticate(request), container.idempotency(), container.create_payment())


class PaymentCreationController(Controller):
    path = "/payments"
    tags = ["payments"]
    parameters = documented_key()
    dependencies = {"creating": Provide(provide_creating, sync_to_thread=False)}

    @post("/intent", status_code=201, summary="Create a payment intent", responses=CREATE_RESPONSES)
    async def create_intent(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[CreateIntentBody],
        creating: NamedDependency[Creating],
    ) -> Response[PaymentResource]:
        body = await parse_body(request, CreateIntentBody)
        return await _create(request, body, creating, body.capture_method)

    authorize = _confirming_handler("/authorize", "Authorize (capture later)", CaptureMethod.MANUAL)
    charge = _confirming_handler("/charge", "Charge (capture at once)", CaptureMethod.AUTOMATIC)


async def _create(
    request: Request[Any, Any, Any],
    body: CreatePaymentBody | CreateIntentBody,
    creating: Creating,
    capture_method: CaptureMethod,
) -> Response[Any]:
    """Authorize and charge confirm at once with their payment method; an intent waits."""
    payment_method = body.payment_method if isinstance(body, CreatePaymentBody) else None
    rendered: dict[tuple[str, int], Response[Any]] = {}

    def answer(payment: Payment) -> Response[Any]:
        """Rendered once per saved state: kept with the payment, then sent as it is."""
        found = rendered.get((payment.id, payment.version))
        if found is None:
            found = payment_outcome(request, payment, status=201, created=True)
            rendered[payment.id, payment.version] = found
        return found

    def respond(payment: Any) -> tuple[int, bytes] | None:
        response = answer(payment)
        if response.status_code == HTTP_202_ACCEPTED or not isinstance(response.content, bytes):
            return None  # an unknown outcome is asked again by a retry, never kept (§5)
        return response.status_code or 201, response.content

    async def act(ctx: IdempotencyContext | None) -> Response[Any]:
        payment = await creating.create_payment.execute(
            CreatePaymentCommand(
                tenant_id=creating.principal.tenant_id,
                order_id=body.order_id,
                amount=body.amount,
                currency=body.currency,
                capture_method=capture_method,
                confirm=payment_method is not None,
                payment_method=payment_method,
                customer_id=body.customer_id,
                description=body.description,
                metadata=dict(body.metadata),
                allow_additional=body.allow_additional,
                idempotency=ctx,
            )
        )
        return answer(payment)

    tenant_id = creating.principal.tenant_id
    return await run_idempotent(request, tenant_id, creating.idempotency, act, respond)
