"""`X-Request-ID`: accepted when sane, generated otherwise, echoed, and seen by every log line."""

from __future__ import annotations

import logging
import secrets
from contextvars import ContextVar
from typing import Any

from litestar import Request
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from entrypoints.log_context import bind_log_context, bound_ids, log_context

REQUEST_ID_HEADER = "X-Request-ID"
_HEADER_NAME = REQUEST_ID_HEADER.lower().encode("latin-1")
MAX_LENGTH = 200
_SCOPE_KEY = "kassa.request_id"

_current: ContextVar[str | None] = ContextVar("kassa_request_id", default=None)


def current_request_id() -> str | None:
    """The id of the request being served in this context, if any."""
    return _current.get()


def is_sane(value: str) -> bool:
    """1–200 printable ASCII characters: safe to echo in a header and to log."""
    return 0 < len(value) <= MAX_LENGTH and all(" " <= c <= "~" for c in value)


def new_request_id() -> str:
    return f"req_{secrets.token_hex(12)}"


def request_id_of(scope: Scope) -> str:
    """The request's id: the client's if sane, else a new one; fixed once chosen."""
    chosen = scope.get(_SCOPE_KEY)
    if chosen is None:
        sent = next(
            (v for k, v in scope.get("headers", ()) if k.lower() == _HEADER_NAME),
            None,
        )
        text = sent.decode("latin-1").strip() if sent is not None else ""
        chosen = text if is_sane(text) else new_request_id()
        scope[_SCOPE_KEY] = chosen  # type: ignore[literal-required]
    return str(chosen)


class RequestIdMiddleware:
    """Sets the id for the request's context and echoes it on the response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        request_id = request_id_of(scope)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                # The raw list, not MutableScopeHeaders: its `in` decodes every header and
                # raises KeyError when the id is not there yet, as it never is.
                headers = list(message.get("headers", ()))
                if not any(name.lower() == _HEADER_NAME for name, _ in headers):
                    headers.append((_HEADER_NAME, request_id.encode("latin-1")))
                    message["headers"] = headers
            await send(message)

        token = _current.set(request_id)
        try:
            with log_context(request_id=request_id):
                await self.app(scope, receive, send_with_id)
        finally:
            _current.reset(token)


async def bind_route_ids(request: Request[Any, Any, Any]) -> None:
    """`before_request`: the ids a route names in its path (`/payments/{payment_id}`) go on
    every line of the request. Only ids: a portal link's `{token}` is never one of them.
    A coroutine, though it awaits nothing: Litestar runs a plain function hook in a worker
    thread, a hand-off that cost every request more than the rest of the hook."""
    bind_log_context(**{name: str(value) for name, value in request.path_params.items()})


class RequestIdLogFilter(logging.Filter):
    """Adds the ids bound for the request (`request_id`, `tenant_id`, …) to a record made
    in it, for handlers outside Kassa's chain (a test's log capture); `request_id` is `-`
    outside a request."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, value in bound_ids().items():
            if not hasattr(record, name):
                setattr(record, name, value)
        if not hasattr(record, "request_id"):
            record.request_id = _current.get() or "-"
        return True
