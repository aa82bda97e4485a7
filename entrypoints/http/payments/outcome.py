"""How a payment answers a request that acted on it: 2xx, 202 when unknown, 402 on decline."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response
from litestar.openapi.datastructures import ResponseSpec

from domain.payment import Payment
from domain.statuses import PaymentStatus
from entrypoints.http.edge.errors import error_body, error_response
from entrypoints.http.edge.request_id import request_id_of
from entrypoints.http.payments.resources import (
    ErrorEnvelope,
    PaymentResource,
    encode,
    payment_resource,
)
from entrypoints.log_context import bind_log_context

_ERRORS = {
    400: "`invalid_request_error` (with `param`) or `idempotency_error`.",
    401: "`authentication_error`: missing, forged or expired bearer token.",
    403: "`permission_error`: the token lacks the role.",
    404: "`not_found`: no such object for this tenant; `param` names a field that named it.",
    409: "`conflict`: the payment's status forbids it, or the key is in use.",
    402: "`card_error`: declined; `payment_id` names the failed payment, which is kept.",
    502: "`gateway_error`: the gateway could not be reached.",
}


def documented(*errors: int, unknown_outcome: bool = False) -> dict[int, ResponseSpec]:
    """OpenAPI responses in the §9 envelope (and 202 where the outcome may be unknown)."""
    specs = {code: ResponseSpec(ErrorEnvelope, description=_ERRORS[code]) for code in errors}
    if unknown_outcome:
        specs[202] = ResponseSpec(
            PaymentResource, description="Gateway outcome unknown: `processing`."
        )
    return specs


def json_response(body: bytes, status: int) -> Response[Any]:
    return Response(body, status_code=status, media_type="application/json")


def card_error_response(request: Request[Any, Any, Any], payment: Payment) -> Response[Any]:
    """A decline (§3): 402 `card_error` naming the failed payment, which is kept."""
    body = error_body(
        "card_error",
        payment.failure_code or "card_declined",
        payment.failure_message or "The card was declined.",
        "payment_method",
        request_id_of(request.scope),
        decline_code=payment.decline_code,
        payment_id=payment.id,
    )
    return error_response(request, 402, body)


def payment_outcome(
    request: Request[Any, Any, Any], payment: Payment, *, status: int, created: bool = False
) -> Response[Any]:
    """A decline is 402 `card_error` (the failed payment is kept); an unknown gateway
    outcome is 202 with the payment in `processing`; anything else is `status`."""
    bind_log_context(payment_id=payment.id, order_id=payment.order_id)
    if payment.status is PaymentStatus.FAILED:
        return card_error_response(request, payment)
    if payment.outcome_unknown:
        status = 202
    return json_response(encode(payment_resource(payment, with_secret=created)), status)
