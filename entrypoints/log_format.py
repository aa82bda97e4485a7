"""Kassa's log lines, through structlog: one JSON object a line for log collectors
(`KASSA_LOG_FORMAT=json`, the container image's) or aligned lines for people (`console`).

Every logger goes through the same processor chain: Kassa's own, Litestar's, uvicorn's
(its access log too: `uvicorn_log_config` sends it to the root logger) and the libraries'.
A line carries `timestamp` (UTC, ISO 8601), `level`, `logger`, `event` and the ids bound
for the request or job (`entrypoints.log_context`: `request_id`, `tenant_id`,
`payment_id`, `event_id`, …). Redaction runs last before rendering, on every value: portal
links and tokens are masked, fields named like secrets are dropped, whatever their logger.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping, MutableMapping
from typing import Any, TextIO

import structlog
from structlog.stdlib import ProcessorFormatter
from structlog.typing import EventDict, Processor, WrappedLogger

from entrypoints.http.edge.log_redaction import install_log_redaction, redact
from entrypoints.log_context import bound_ids

LOG_FORMATS = ("console", "json")
REDACTED = "[redacted]"
# A field with one of these in its name never reaches a line, whatever logged it.
SECRET_WORDS = (
    "token", "secret", "password", "authorization", "cookie", "verifier", "body",
    "card_number", "cvc", "cvv", "smtp_url",
)  # fmt: skip
# Line keys that name things, not secrets, although a secret word is in them.
_NAMES = frozenset({"token_id", "portal_token_id"})
# What uvicorn puts on its records for its own console.
_UVICORN_EXTRAS = ("color_message",)
_HANDLER_NAME = "kassa"


def _is_secret(key: str) -> bool:
    lowered = key.lower()
    return lowered not in _NAMES and any(word in lowered for word in SECRET_WORDS)


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, Mapping):
        return {k: REDACTED if _is_secret(str(k)) else _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return redact(str(value))


_LEADING = ("timestamp", "level", "logger", "event")


def redact_event(_: WrappedLogger, __: str, event: EventDict) -> EventDict:
    """No portal link, token, secret, card detail or mail body in any value; the line
    starts with when, how bad, who and what, in that order."""
    ordered = {key: event[key] for key in _LEADING if key in event}
    ordered.update(event)
    return {
        key: REDACTED if key != "event" and _is_secret(key) else _clean(value)
        for key, value in ordered.items()
    }


def add_bound_ids(_: WrappedLogger, __: str, event: EventDict) -> EventDict:
    """The request's or job's ids (log_context), unless the line named its own."""
    for name, value in bound_ids().items():
        event.setdefault(name, value)
    return event


def uvicorn_access_fields(_: WrappedLogger, __: str, event: EventDict) -> EventDict:
    """Uvicorn's access line as fields: client, method, path (already a template for
    portal links), status."""
    args = event.pop("positional_args", None)  # the record's own, already redacted
    record = event.get("_record")
    if record is None or record.name != "uvicorn.access":
        return event
    if isinstance(args, tuple) and len(args) == 5:
        client, method, path, _version, status = args
        event.update(client=client, method=method, path=path, status=status)
    return event


def drop_uvicorn_extras(_: WrappedLogger, __: str, event: EventDict) -> EventDict:
    for key in _UVICORN_EXTRAS:
        event.pop(key, None)
    return event


def _shared_chain() -> list[Processor]:
    """What every line goes through, from structlog or from the standard library."""
    return [
        structlog.stdlib.add_logger_name,
        structlog.stdlib.add_log_level,
        structlog.stdlib.ExtraAdder(),
        uvicorn_access_fields,
        drop_uvicorn_extras,
        add_bound_ids,
        structlog.processors.TimeStamper(fmt="iso", utc=True, key="timestamp"),
        structlog.processors.StackInfoRenderer(),
        structlog.processors.format_exc_info,  # a string, so it is redacted like the rest
    ]


def _renderer(log_format: str) -> Processor:
    if log_format == "json":
        return structlog.processors.JSONRenderer(ensure_ascii=False, default=str)
    return structlog.dev.ConsoleRenderer(
        colors=False, exception_formatter=structlog.dev.plain_traceback
    )


def log_formatter(log_format: str) -> ProcessorFormatter:
    """The formatter of Kassa's handler: the shared chain, redaction, the renderer."""
    return ProcessorFormatter(
        foreign_pre_chain=_shared_chain(),
        pass_foreign_args=True,  # uvicorn's access line is read from its arguments
        processors=[
            ProcessorFormatter.remove_processors_meta,
            redact_event,
            _renderer(log_format),
        ],
    )


def configure_logging(level: str, log_format: str, stream: TextIO | None = None) -> None:
    """Route every logger of this process through Kassa's chain: JSON lines on stdout, or
    console lines on stderr. Idempotent: a second call replaces Kassa's handler, leaving
    any other (a test's log capture) in place."""
    install_log_redaction()  # tokens masked where records are made, for every handler
    structlog.configure(
        processors=[*_shared_chain(), ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    if stream is None:
        stream = sys.stdout if log_format == "json" else sys.stderr
    handler = logging.StreamHandler(stream)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(log_formatter(log_format))
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    logging.captureWarnings(True)  # a library's warning is a line like the others, not raw text


def uvicorn_log_config(level: str) -> dict[str, Any]:
    """Uvicorn's loggers (start-up, errors, access lines) without handlers of their own:
    their records go up to the root logger, through Kassa's chain."""
    loggers: MutableMapping[str, Any] = {
        name: {"handlers": [], "level": level.upper(), "propagate": True}
        for name in ("uvicorn", "uvicorn.error", "uvicorn.access")
    }
    return {"version": 1, "disable_existing_loggers": False, "loggers": loggers}
