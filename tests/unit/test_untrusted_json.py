"""Decoding JSON from outside: UTF-8 only, at most 32 levels deep, linear in the size of
the input, and only two errors a caller must expect."""

from __future__ import annotations

import time
from typing import Any

import msgspec
import pytest

from adapters.untrusted_json import MAX_DEPTH, UntrustedJsonError, decode, nested_too_deep


class Body(msgspec.Struct, forbid_unknown_fields=True):
    amount: int
    note: Any = None


def arrays(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def objects(depth: int) -> bytes:
    return b'{"a":' * depth + b"1" + b"}" * depth


@pytest.mark.parametrize("nested", [arrays, objects])
def test_32_levels_decode_and_33_are_refused(nested: Any) -> None:
    assert decode(nested(MAX_DEPTH)) is not None

    with pytest.raises(UntrustedJsonError, match="nested more than 32 levels deep"):
        decode(nested(MAX_DEPTH + 1))


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_a_body_deeper_than_the_stack_is_refused_not_a_recursion_error(depth: int) -> None:
    with pytest.raises(UntrustedJsonError):
        decode(objects(depth), Body)


@pytest.mark.parametrize(
    "text",
    [
        b'{"amount": 1, "note": "' + b"[" * 100 + b'"}',
        b'{"amount": 1, "note": "\\"' + b"{" * 100 + b'"}',
        b'{"amount": 1, "note": ["\\\\", "' + b"[" * 100 + b'"]}',
    ],
    ids=["in-a-string", "after-an-escaped-quote", "after-an-escaped-backslash"],
)
def test_brackets_inside_strings_do_not_count(text: bytes) -> None:
    assert decode(text, Body).amount == 1


@pytest.mark.parametrize(
    "raw",
    [
        b'{"amount": 1, "note": "\xff"}',
        b'{"\xff": 1}',
        b'{"amount": 1, "note": "\xc0\xaf"}',  # an overlong "/"
        b'{"amount": 1, "note": "\xed\xa0\x80"}',  # a UTF-16 surrogate
        b'{"amount": 1, "note": "\xe2\x82"}',  # truncated
    ],
    ids=["invalid-byte", "in-a-key", "overlong", "surrogate", "truncated"],
)
def test_a_body_that_is_not_utf8_is_refused(raw: bytes) -> None:
    with pytest.raises(UntrustedJsonError, match="not valid UTF-8"):
        decode(raw, Body)


@pytest.mark.parametrize("raw", [b"", b"{", b'{"amount": 1,}', b"\xef\xbb\xbf{}", b"NaN"])
def test_what_is_not_json_is_refused(raw: bytes) -> None:
    with pytest.raises(UntrustedJsonError):
        decode(raw)


def test_a_number_too_large_for_any_type_is_refused_when_untyped() -> None:
    with pytest.raises(UntrustedJsonError):
        decode(b"9" * 5_000)


def test_json_that_is_not_the_type_is_a_validation_error_naming_the_field() -> None:
    with pytest.raises(msgspec.ValidationError, match=r"\$\.amount"):
        decode(b'{"amount": "100"}', Body)


@pytest.mark.parametrize(
    "raw",
    [
        b"[" * 40 + b'"' * 1_000_000,
        b"[" * 40 + b'"' + b'\\"' * 500_000,  # a string never closed: each quote is escaped
        b"[" * 1_000_000,
        b'["a\\"]' * 150_000,
    ],
    ids=["quotes", "one-unterminated-string", "brackets", "strings-with-escapes"],
)
def test_the_depth_check_is_linear_in_the_size_of_the_body(raw: bytes) -> None:
    started = time.perf_counter()
    nested_too_deep(raw)
    assert time.perf_counter() - started < 2.0
