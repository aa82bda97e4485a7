"""Prefixed ids (`pay_…`): time-ordered so they sort like Stripe's, random past the time."""

from __future__ import annotations

import base64
import itertools
import secrets
import time

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32
# RFC 4648's base32 digits, spelled as Crockford's: the same value per position.
_CROCKFORD = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", _ALPHABET)


def _base32(value: int, width: int) -> str:
    chars = []
    for _ in range(width):
        value, digit = divmod(value, 32)
        chars.append(_ALPHABET[digit])
    return "".join(reversed(chars))


class UlidIdFactory:
    """`{prefix}_` + a ULID: 48 bits of milliseconds then 80 random bits. The time digits
    are kept for the millisecond they name (a charge takes ten ids); the random ones are
    ten random bytes in base32, exactly sixteen digits."""

    def __init__(self) -> None:
        self._millis = -1
        self._time_digits = ""

    def new(self, prefix: str) -> str:
        millis = time.time_ns() // 1_000_000
        if millis != self._millis:
            self._millis, self._time_digits = millis, _base32(millis, 10)
        random_digits = base64.b32encode(secrets.token_bytes(10)).decode().translate(_CROCKFORD)
        return f"{prefix}_{self._time_digits}{random_digits}"


class SequentialIdFactory:
    """Deterministic ids for tests and examples: `pay_000001`, `pay_000002`, …"""

    def __init__(self) -> None:
        self._counter = itertools.count(1)

    def new(self, prefix: str) -> str:
        return f"{prefix}_{next(self._counter):06d}"
