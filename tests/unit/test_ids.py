"""Prefixed ULIDs: 26 Crockford digits, time first, so they sort as they were made."""

from __future__ import annotations

import re

import pytest

from adapters.system.ids import UlidIdFactory

ULID = re.compile(r"pay_[0-9A-HJKMNP-TV-Z]{26}")


def test_ids_are_prefixed_ulids_and_unique() -> None:
    ids = UlidIdFactory()
    made = [ids.new("pay") for _ in range(2_000)]

    assert all(ULID.fullmatch(found) for found in made)
    assert len(set(made)) == len(made)


def test_the_time_digits_name_the_millisecond(monkeypatch: pytest.MonkeyPatch) -> None:
    ids = UlidIdFactory()
    clock = iter([1_795_962_150_000_000_000, 1_795_962_150_000_400_000, 1_795_962_150_001_000_000])
    monkeypatch.setattr("time.time_ns", lambda: next(clock))

    first, same_millisecond, next_millisecond = (ids.new("pay") for _ in range(3))

    assert first[4:14] == same_millisecond[4:14] == "01M8KTZ73G"
    assert next_millisecond[4:14] == "01M8KTZ73H"  # one more millisecond, one more
    assert first[14:] != same_millisecond[14:]


def test_the_random_digits_spell_every_bit_of_the_randomness(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each of the sixteen digits is five bits of the ten random bytes, first bits first."""
    ids = UlidIdFactory()
    randomness = bytes.fromhex("0123456789abcdef0011")
    monkeypatch.setattr("os.urandom", lambda size: randomness[:size])

    digits = ids.new("pay")[14:]

    n = int.from_bytes(randomness)
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    assert digits == "".join(alphabet[n >> (75 - 5 * i) & 31] for i in range(16))
    assert digits == "04HMASW9NF6YY00H"
