"""`X-Request-ID`: accepted when sane, generated otherwise, echoed, and seen by every log line."""

from __future__ import annotations

import copy
import logging
import secrets
from contextvars import ContextVar
from typing import Any

from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.logging.config import LoggingConfig, default_handlers
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from entrypoints.log_format import JsonLogFormatter

REQUEST_ID_HEADER = "X-Request-ID"
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
            (v for k, v in scope.get("headers", ()) if k.lower() == b"x-request-id"),
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
                headers = MutableScopeHeaders.from_message(message)
                if REQUEST_ID_HEADER not in headers:
                    headers[REQUEST_ID_HEADER] = request_id
            await send(message)

        token = _current.set(request_id)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            _current.reset(token)


class RequestIdLogFilter(logging.Filter):
    """Adds `request_id` to a record (`-` outside a request) unless it has one already."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = _current.get() or "-"
        return True


def logging_config(level: str = "INFO", log_format: str = "console") -> LoggingConfig:
    """Litestar's default logging, with the request id on every line.

    The filter sits on each handler: on the queue handler it runs in the request's own
    context, before the record crosses to the listener thread. As JSON (KASSA_LOG_FORMAT)
    each line goes straight to stdout, where a container's logs are collected.
    """
    handlers = copy.deepcopy(default_handlers)
    standard: dict[str, Any] = {
        "format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"
    }
    if log_format == "json":
        stdout = {"class": "logging.StreamHandler", "stream": "ext://sys.stdout"}
        handlers = {name: {**stdout, "formatter": "standard"} for name in handlers}
        standard = {"()": JsonLogFormatter}
    for handler in handlers.values():
        handler["filters"] = ["request_id"]
    return LoggingConfig(
        filters={"request_id": {"()": RequestIdLogFilter}},
        formatters={"standard": standard},
        handlers=handlers,
        root={"level": level.upper(), "handlers": ["queue_listener"]},
        log_exceptions="never",  # errors.render logs the unexpected ones, once
    )
