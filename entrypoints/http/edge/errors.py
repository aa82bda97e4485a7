"""The one place where failures become the §9 error envelope and an HTTP status."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.exceptions.base_exceptions import SerializationException
from litestar.types import ExceptionHandlersMap

from adapters.untrusted_json import UntrustedJsonError
from application.errors import (
    ConflictError,
    GatewayError,
    GatewayOutcomeUnknownError,
    GatewayRejectedError,
    IdempotencyKeyReusedError,
    NotFoundError,
    PermissionDeniedError,
    UnknownCursorError,
)
from domain.errors import DomainError, InvalidStateTransitionError
from domain.money import is_known_currency
from domain.tenant import TenantSuspendedError
from entrypoints.http.edge.request_id import REQUEST_ID_HEADER, request_id_of

log = logging.getLogger("kassa.http")

# Most specific first: the first matching class decides the status and type.
_DOMAIN_ERRORS: tuple[tuple[type[DomainError], int, str], ...] = (
    (UnknownCursorError, 400, "invalid_request_error"),
    (NotFoundError, 404, "not_found"),
    (IdempotencyKeyReusedError, 400, "idempotency_error"),
    (ConflictError, 409, "conflict"),
    (InvalidStateTransitionError, 409, "conflict"),
    (TenantSuspendedError, 403, "permission_error"),
    (PermissionDeniedError, 403, "permission_error"),
    (GatewayRejectedError, 400, "invalid_request_error"),
    (GatewayError, 502, "gateway_error"),
    (GatewayOutcomeUnknownError, 502, "gateway_error"),
)

_TYPE_BY_STATUS = {
    401: "authentication_error",
    403: "permission_error",
    404: "not_found",
    409: "conflict",
    429: "rate_limit_error",
}
_CODE_BY_STATUS = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    409: "conflict",
    413: "request_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}


class ApiError(Exception):
    """A refusal decided at the HTTP edge, already in the §9 vocabulary."""

    def __init__(
        self,
        status: int,
        type: str,
        code: str,
        message: str,
        *,
        param: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.type, self.code, self.message = status, type, code, message
        self.param = param
        self.headers = dict(headers or {})


def invalid_request(code: str, message: str, param: str | None = None) -> ApiError:
    return ApiError(400, "invalid_request_error", code, message, param=param)


def check_currency(currency: str, param: str = "currency") -> None:
    """A currency Kassa knows (ISO 4217, with its minor unit), or a 400 naming `param`."""
    if not is_known_currency(currency):
        where = "" if param == "currency" else f" in {param}"
        raise invalid_request(
            "unknown_currency", f"Unknown or unsupported currency{where}: {currency!r}.", param
        )


def error_body(
    type: str, code: str, message: str, param: str | None, request_id: str, **extra: Any
) -> bytes:
    error = {
        "type": type,
        "code": code,
        "message": message,
        "param": param,
        "request_id": request_id,
        **extra,
    }
    return msgspec.json.encode({"error": error})


def error_response(
    request: Request[Any, Any, Any],
    status: int,
    body: bytes,
    headers: Mapping[str, str] | None = None,
) -> Response[bytes]:
    return Response(
        body,
        status_code=status,
        media_type="application/json",
        headers={**(headers or {}), REQUEST_ID_HEADER: request_id_of(request.scope)},
    )


def render(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    """Turn any exception into its envelope; unexpected ones are logged, never shown."""
    rid = request_id_of(request.scope)
    api_error = as_api_error(request, exc)
    body = error_body(api_error.type, api_error.code, api_error.message, api_error.param, rid)
    return error_response(request, api_error.status, body, api_error.headers)


def as_api_error(request: Request[Any, Any, Any], exc: Exception) -> ApiError:
    """The §9 status, type, code and message of any exception; an unexpected one is
    logged (never shown) and becomes a 500. Shared by the JSON API and the payment page."""
    api_error = _as_api_error(exc)
    if api_error is None:
        log.error("Unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        api_error = ApiError(500, "api_error", "internal_error", "An unexpected error occurred.")
    return api_error


def _as_api_error(exc: Exception) -> ApiError | None:
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, UntrustedJsonError):  # from every body decoded, Litestar's included
        return invalid_request("invalid_json", f"The request body is {exc}.")
    if isinstance(exc, UnicodeDecodeError):  # bytes of the request that are not UTF-8
        return invalid_request("invalid_encoding", "The request is not valid UTF-8.")
    if isinstance(exc, DomainError):
        status, kind = next(
            ((s, k) for cls, s, k in _DOMAIN_ERRORS if isinstance(exc, cls)),
            (400, "invalid_request_error"),
        )
        return ApiError(status, kind, exc.code, exc.message, param=exc.param)
    if isinstance(exc, ValidationException):
        problems = exc.extra if isinstance(exc.extra, list) else []
        first = problems[0] if problems and isinstance(problems[0], dict) else {}
        return validation_error(str(first.get("message") or exc.detail), first.get("key"))
    if isinstance(exc, HTTPException) and exc.status_code < 500:
        if isinstance(exc.__cause__, SerializationException):
            return invalid_request("invalid_json", "The request body is not valid JSON.")
        return _from_http_status(exc)
    return None


_FIELD_IN_PATH = re.compile(r"`\$\.([A-Za-z0-9_]+)")
_UNKNOWN_FIELD = re.compile(r"unknown field `([^`]+)`")
_MISSING_FIELD = re.compile(r"missing required field `([^`]+)`")


def validation_error(message: str, param: str | None = None) -> ApiError:
    """A body or query value broke its schema: 400, naming the parameter where known."""
    text, _, where = message.partition(" - at ")
    if param is None and (found := _FIELD_IN_PATH.search(where)):
        param = found.group(1)
    code = "parameter_invalid"
    if found := _UNKNOWN_FIELD.search(text):
        param, code = found.group(1), "parameter_unknown"
    elif found := _MISSING_FIELD.search(text):
        param, code = found.group(1), "parameter_missing"
    elif "missing required" in text.lower():
        code = "parameter_missing"
    if param == "data":  # the body as a whole: absent, or not an object
        return invalid_request(code, "The request body must be a JSON object.")
    if param is not None:
        # "metadata[...]" (a dict value) or "metadata.key" (nested): name the field.
        param = param.split("[...]")[0].split(".")[0] or None
    shown = f"Invalid {param}: {text}" if param else f"Invalid request: {text}"
    return invalid_request(code, shown, param)


def _from_http_status(exc: HTTPException) -> ApiError:
    status = exc.status_code
    if status == 404:
        return ApiError(404, "not_found", "route_not_found", "No such route.")
    if status == 405:
        message = "This method is not allowed on this route."
        # RFC 9110: a 405 names the methods the route does take, in `Allow`.
        allowed = {"Allow": exc.headers["allow"]} if exc.headers and "allow" in exc.headers else {}
        return ApiError(
            405, "invalid_request_error", "method_not_allowed", message, headers=allowed
        )
    kind = _TYPE_BY_STATUS.get(status, "invalid_request_error")
    code = _CODE_BY_STATUS.get(status, f"http_{status}")
    return ApiError(status, kind, code, exc.detail, headers=exc.headers)


def exception_handlers() -> ExceptionHandlersMap:
    """Every exception goes through `render`, so the envelope is built in one place."""
    return {Exception: render}
