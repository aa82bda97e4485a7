"""Prefixed ids (`pay_…`): time-ordered so they sort like Stripe's, random past the time."""

from __future__ import annotations

import itertools
import secrets
import time

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32


def _base32(value: int, width: int) -> str:
    chars = []
    for _ in range(width):
        value, digit = divmod(value, 32)
        chars.append(_ALPHABET[digit])
    return "".join(reversed(chars))


class UlidIdFactory:
    """`{prefix}_` + a ULID: 48 bits of milliseconds then 80 random bits."""

    def new(self, prefix: str) -> str:
        millis = time.time_ns() // 1_000_000
        return f"{prefix}_{_base32(millis, 10)}{_base32(secrets.randbits(80), 16)}"


class SequentialIdFactory:
    """Deterministic ids for tests and examples: `pay_000001`, `pay_000002`, …"""

    def __init__(self) -> None:
        self._counter = itertools.count(1)

    def new(self, prefix: str) -> str:
        return f"{prefix}_{next(self._counter):06d}"
