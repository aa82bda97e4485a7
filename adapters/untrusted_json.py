"""JSON from outside (request bodies, gateway events), decoded within limits: UTF-8 only
and nested at most MAX_DEPTH deep, so no input can exhaust the stack or escape as a 500."""

from __future__ import annotations

import functools
import re
from itertools import accumulate
from typing import Any, TypeVar, overload

import msgspec

MAX_DEPTH = 32

T = TypeVar("T")

# A JSON string, so that brackets inside strings are not counted. The closing quote is
# optional: an unterminated string runs to the end, and the scan stays linear.
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"?', re.DOTALL)
_NOT_A_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")
_STEP = [0] * 256
_STEP[ord("[")] = _STEP[ord("{")] = 1
_STEP[ord("]")] = _STEP[ord("}")] = -1


class UntrustedJsonError(ValueError):
    """The bytes are not a JSON document Kassa reads: not UTF-8, too deep, or not JSON.

    The message completes "The request body is …"."""


@overload
def decode(raw: bytes) -> Any: ...
@overload
def decode(raw: bytes, type: type[T]) -> T: ...
def decode(raw: bytes, type: Any = Any) -> Any:
    """`raw` decoded as `type` (strictly, as msgspec does): UntrustedJsonError when it is
    not JSON within the limits; msgspec.ValidationError when it is, but not a `type`."""
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        raise UntrustedJsonError("not valid UTF-8") from None
    if nested_too_deep(raw):
        raise UntrustedJsonError(f"nested more than {MAX_DEPTH} levels deep")
    try:
        return _decoder(type).decode(raw)
    except msgspec.ValidationError as exc:
        if type is Any:  # only a number out of range fails an untyped decode
            raise UntrustedJsonError(f"not readable JSON: {exc}") from None
        raise
    except (msgspec.DecodeError, RecursionError, UnicodeDecodeError):
        raise UntrustedJsonError("not valid JSON") from None


def nested_too_deep(raw: bytes) -> bool:
    """Whether arrays and objects nest more than MAX_DEPTH deep in `raw` (linear time)."""
    if raw.count(b"[") + raw.count(b"{") <= MAX_DEPTH:  # the usual body: not even close
        return False
    # Without a backslash every quote opens or closes a string: split on them (fast).
    outside = b"".join(raw.split(b'"')[::2]) if b"\\" not in raw else _STRING.sub(b"", raw)
    brackets = outside.translate(None, _NOT_A_BRACKET)
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0) > MAX_DEPTH


@functools.cache
def _decoder(type: Any) -> msgspec.json.Decoder[Any]:
    return msgspec.json.Decoder(type)
