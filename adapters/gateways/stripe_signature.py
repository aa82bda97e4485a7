"""Stripe's webhook signature scheme: `t=…,v1=…`, HMAC-SHA256 of "{t}.{raw body}"."""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import datetime

from application.errors import SignatureError

TOLERANCE_SECONDS = 300
MAX_HEADER_LENGTH = 1024  # a timestamp and a few signatures: Stripe sends about 150

# Strict, so that no header can fail anywhere but here: `t` a Unix time in ASCII digits
# (no 5,000-digit number to convert), `v1` a hex SHA-256 (hmac compares ASCII only).
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_V1 = re.compile(r"[0-9a-f]{64}")


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
    timestamp, candidates = _parse(header)
    if abs(now.timestamp() - int(timestamp)) > TOLERANCE_SECONDS:
        raise SignatureError("Signature timestamp outside the tolerance.")
    expected = _digest(payload, secret, timestamp)
    # Compare against every candidate so the time taken does not reveal which matched.
    matched = False
    for candidate in candidates:
        matched |= hmac.compare_digest(expected, candidate)
    if not matched:
        raise SignatureError("No signature matches the payload.")


def _parse(header: str) -> tuple[str, list[str]]:
    """(`t`, the `v1` signatures) of a well-formed header; other schemes are ignored."""
    if len(header) > MAX_HEADER_LENGTH:
        raise SignatureError("Malformed Stripe-Signature header: too long.")
    timestamps: list[str] = []
    candidates: list[str] = []
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t":
            timestamps.append(value)
        elif name == "v1":
            candidates.append(value)
    if len(timestamps) != 1 or not _TIMESTAMP.fullmatch(timestamps[0]):
        raise SignatureError("Malformed Stripe-Signature header: t must be one Unix time.")
    if not candidates or not all(_V1.fullmatch(c) for c in candidates):
        raise SignatureError("Malformed Stripe-Signature header: v1 must be hex SHA-256.")
    return timestamps[0], candidates
