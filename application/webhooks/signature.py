"""Stripe's webhook signature scheme: `t=…,v1=…`, HMAC-SHA256 of "{t}.{raw body}"."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

TOLERANCE_SECONDS = 300


class SignatureError(Exception):
    """The delivery is not proven to come from the gateway; store nothing."""


def sign(payload: bytes, secret: str, timestamp: int) -> str:
    """The `Stripe-Signature` header value a sender computes (the fake gateway uses it)."""
    return f"t={timestamp},v1={_digest(payload, secret, str(timestamp))}"


def _digest(payload: bytes, secret: str, timestamp: str) -> str:
    signed = timestamp.encode() + b"." + payload
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def verify(payload: bytes, header: str | None, secret: str, now: datetime) -> None:
    """Raise SignatureError unless one `v1` matches and `t` is within ±300 s of now."""
    if not header:
        raise SignatureError("Missing Stripe-Signature header.")
    timestamp: str | None = None
    candidates: list[str] = []
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t":
            timestamp = value
        elif name == "v1":
            candidates.append(value)
    if timestamp is None or not timestamp.isdigit() or not candidates:
        raise SignatureError("Malformed Stripe-Signature header.")
    if abs(now.timestamp() - int(timestamp)) > TOLERANCE_SECONDS:
        raise SignatureError("Signature timestamp outside the tolerance.")
    expected = _digest(payload, secret, timestamp)
    # Compare against every candidate so the time taken does not reveal which matched.
    matched = False
    for candidate in candidates:
        matched |= hmac.compare_digest(expected, candidate)
    if not matched:
        raise SignatureError("No signature matches the payload.")
