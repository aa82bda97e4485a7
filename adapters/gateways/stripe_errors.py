"""Stripe's failures read into Kassa's gateway errors, with the secret key kept out of them.

A decline is not an error here: `CardDeclinedError` carries Stripe's error body back to the
adapter, which turns it into a FAILED intent."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

import httpx
import stripe

from application.errors import GatewayError, GatewayOutcomeUnknownError, GatewayRejectedError
from domain.errors import DomainError

# httpx failures raised before a byte of the request left: Stripe cannot have acted.
_NEVER_SENT = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.UnsupportedProtocol,
)
# Anything shaped like a Stripe secret or restricted key, whatever the message that holds it.
_KEY_SHAPE = re.compile(r"\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9_]+")
_REDACTED = "[redacted]"


class CardDeclinedError(Exception):
    """Stripe answered 402: the card was declined (a result for intents, not a failure)."""

    def __init__(self, error: Mapping[str, Any]) -> None:
        super().__init__(str(error.get("code") or "card_declined"))
        self.error = error


def redact(text: str, secret: str) -> str:
    """`text` without the secret key, or anything that looks like a Stripe key."""
    if secret:
        text = text.replace(secret, _REDACTED)
    return _KEY_SHAPE.sub(_REDACTED, text)


class _RedactKeys(logging.Filter):
    """stripe-python logs Stripe's answers verbatim: keep any key out of those lines too."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        message = clean = record.getMessage()
        for secret in self.secrets:
            clean = clean.replace(secret, _REDACTED)
        clean = _KEY_SHAPE.sub(_REDACTED, clean)
        if clean != message:
            record.msg, record.args = clean, None
        return True


_SDK_LOGS = _RedactKeys()


def guard_sdk_logs(secret: str) -> None:
    """Redact `secret` from the `stripe` logger's lines (idempotent, process-wide)."""
    _SDK_LOGS.secrets.add(secret)
    logger = logging.getLogger("stripe")
    if _SDK_LOGS not in logger.filters:
        logger.addFilter(_SDK_LOGS)


def error_body(exc: stripe.StripeError) -> Mapping[str, Any]:
    """The `error` object of Stripe's JSON answer (empty when there was none)."""
    body = exc.json_body
    found = body.get("error") if isinstance(body, Mapping) else None
    return found if isinstance(found, Mapping) else {}


def _should_retry_header(exc: stripe.StripeError) -> str | None:
    headers = exc.headers or {}
    for name, value in headers.items():
        if name.lower() == "stripe-should-retry":
            return str(value).lower()
    return None


def is_retryable(exc: stripe.StripeError) -> bool:
    """Connection failures, 429, 409 lock_timeout and 5xx, never a card, validation or
    authentication error; on those answers Stripe's `Stripe-Should-Retry` header has the last
    word (a 500 Stripe saved under the idempotency key would only be replayed)."""
    if isinstance(exc, stripe.APIConnectionError):
        return True
    status = exc.http_status or 0
    if status < 500 and status not in (409, 429):
        return False
    advice = _should_retry_header(exc)
    if advice in ("true", "false"):
        return advice == "true"
    return status != 409 or error_body(exc).get("code") == "lock_timeout"


def may_have_acted(exc: stripe.StripeError) -> bool:
    """Whether Stripe may have carried out the request despite this failure."""
    if isinstance(exc, stripe.APIConnectionError):
        return not isinstance(exc.__cause__, _NEVER_SENT)
    status = exc.http_status or 0
    if status == 429 or (status == 409 and error_body(exc).get("code") == "lock_timeout"):
        return False
    return status >= 500 or status == 409 or status < 400


def describe(exc: stripe.StripeError) -> str:
    """A log-safe summary: class, status, Stripe's code and request id, never the message."""
    parts = [type(exc).__name__]
    if exc.http_status:
        parts.append(f"HTTP {exc.http_status}")
    code = error_body(exc).get("code")
    if code:
        parts.append(str(code))
    if isinstance(exc, stripe.APIConnectionError) and exc.__cause__ is not None:
        parts.append(type(exc.__cause__).__name__)
    if exc.request_id:
        parts.append(f"request {exc.request_id}")
    return ", ".join(parts)


def translate(exc: stripe.StripeError, operation: str, *, secret: str, acted: bool) -> DomainError:
    """Kassa's error for Stripe's final failure of `operation`.

    `acted` says whether any attempt may have been carried out by Stripe: then an answer
    that settles nothing is an unknown outcome, never a plain failure."""
    summary = describe(exc)
    if isinstance(exc, (stripe.AuthenticationError, stripe.PermissionError)):
        return GatewayError(f"Stripe refused Kassa's credentials for {operation} ({summary}).")
    status = exc.http_status or 0
    if isinstance(exc, (stripe.InvalidRequestError, stripe.IdempotencyError, stripe.CardError)) or (
        status in (400, 402, 404)
    ):
        message = redact(str(error_body(exc).get("message") or summary), secret)
        param = error_body(exc).get("param")
        return GatewayRejectedError(
            f"Stripe refused {operation}: {message}", param=str(param) if param else None
        )
    if acted:
        return GatewayOutcomeUnknownError(
            f"Stripe's outcome for {operation} is unknown ({summary}); ask it again."
        )
    return GatewayError(f"Stripe did not carry out {operation} ({summary}).")
