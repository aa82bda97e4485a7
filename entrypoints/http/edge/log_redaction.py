"""Portal tokens never reach a log line: access logs name portal paths by their template.

Redaction happens where records are made (the log record factory), so it holds for every
logger and handler — uvicorn's access log, Litestar's, Kassa's, a test's `caplog` — not
only the handlers Kassa configures.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from domain.portal_token import MASKED_TOKEN, TOKEN_LIKE

# The API's `/api/v1/public/payment/{token}` and the payment page's `/pay/{token}`.
_PORTAL_PATH = re.compile(r"(/public/payment/|/pay/)[^/\s?#\"'<>]+")
_MARKERS = ("kpt_", "/public/payment/", "/pay/")
PORTAL_PATH_TEMPLATE = r"\1{token}"
REDACTED_TOKEN = MASKED_TOKEN


def redact(text: str) -> str:
    """`/public/payment/<anything>` → `/public/payment/{token}`, `/pay/<anything>` →
    `/pay/{token}`; `kpt_…` → `kpt_[redacted]`."""
    if not any(marker in text for marker in _MARKERS):
        return text
    return TOKEN_LIKE.sub(REDACTED_TOKEN, _PORTAL_PATH.sub(PORTAL_PATH_TEMPLATE, text))


def _redact_value(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, (int, float, type(None))):
        return value
    shown = str(value)
    cleaned = redact(shown)
    return value if cleaned == shown else cleaned


def scrub(record: logging.LogRecord) -> None:
    """Mask tokens in a record's message, arguments and traceback, keeping its shape
    (uvicorn's access formatter unpacks `args`)."""
    if isinstance(record.msg, str):
        record.msg = redact(record.msg)
    if isinstance(record.args, tuple):
        record.args = tuple(_redact_value(arg) for arg in record.args)
    elif isinstance(record.args, dict):
        record.args = {key: _redact_value(arg) for key, arg in record.args.items()}
    try:
        message = record.getMessage()
    except Exception:  # a broken format string: logging reports it later, as usual
        return
    cleaned = redact(message)
    if cleaned != message:  # an argument whose text hid a link: give up the arguments
        record.msg, record.args = cleaned, None
    if record.exc_info and record.exc_info[1] is not None:
        trace = logging.Formatter().formatException(record.exc_info)
        cleaned = redact(trace)
        if cleaned != trace:
            record.exc_text = cleaned


def install_log_redaction() -> None:
    """Wrap the process's log record factory once (idempotent)."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "kassa_redacts_tokens", False):
        return

    def make_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        scrub(record)
        return record

    make_record.kassa_redacts_tokens = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(make_record)
