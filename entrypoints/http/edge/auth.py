"""Bearer JWT authentication and role guards for the merchant API (SPEC §9)."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.types import Guard

from adapters.security.jwt_tokens import InvalidAccessTokenError, JwtAccessTokens
from application.access import Principal
from entrypoints.http.edge.errors import ApiError
from entrypoints.log_context import bind_log_context

_SCOPE_KEY = "kassa.principal"


def _unauthenticated(code: str, message: str) -> ApiError:
    challenge = "Bearer" if code == "missing_token" else 'Bearer error="invalid_token"'
    return ApiError(
        401, "authentication_error", code, message, headers={"WWW-Authenticate": challenge}
    )


def authenticate(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal:
    """The caller named by the request's bearer token (verified once per request)."""
    cached = connection.scope.get(_SCOPE_KEY)
    if isinstance(cached, Principal):
        return cached
    header = connection.headers.get("authorization", "")
    scheme, _, token = header.strip().partition(" ")
    if not header:
        raise _unauthenticated("missing_token", "Send a bearer token in the Authorization header.")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthenticated(
            "invalid_token", "The Authorization header must be 'Bearer <token>'."
        )
    tokens: JwtAccessTokens = connection.app.state.container.access_tokens()
    try:
        principal = tokens.verify(token.strip())
    except InvalidAccessTokenError:
        raise _unauthenticated("invalid_token", "The access token is invalid or expired.") from None
    connection.scope[_SCOPE_KEY] = principal  # type: ignore[literal-required]
    bind_log_context(tenant_id=principal.tenant_id)
    return principal


def requires(role: str) -> Guard:
    """A guard letting through only callers holding `role` (implied roles count)."""

    # async: Litestar runs a sync guard on a worker thread, a thread hop per request.
    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        if not authenticate(connection).has(role):
            raise ApiError(
                403, "permission_error", "insufficient_role", f"This needs the {role} role."
            )

    return guard


def provide_principal(request: ASGIConnection[Any, Any, Any, Any]) -> Principal:
    """The `principal` dependency; the guards have already authenticated the caller."""
    return authenticate(request)
