"""OpenAPI error responses of the platform and audit endpoints, in the §9 envelope."""

from __future__ import annotations

from litestar.openapi.datastructures import ResponseSpec

from entrypoints.http.payments.resources import ErrorEnvelope

_ERRORS = {
    400: "`invalid_request_error` naming `param` (an unknown tier in the body included), "
    "or `idempotency_error`.",
    401: "`authentication_error`: missing, forged or expired bearer token.",
    403: "`permission_error`: the token lacks the role.",
    404: "`not_found`: no such tenant, fee tier or entry.",
    409: "`conflict`: a tenant with that id exists, or the idempotency key is in use.",
}


def documented(*errors: int) -> dict[int, ResponseSpec]:
    return {code: ResponseSpec(ErrorEnvelope, description=_ERRORS[code]) for code in errors}
