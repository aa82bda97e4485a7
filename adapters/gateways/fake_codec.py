"""The fake gateway's objects as JSON and back, for its tables: its books and the answers
it keeps for idempotency keys."""

from __future__ import annotations

import dataclasses
from enum import Enum
from typing import Any

from adapters.gateways.fake_state import (
    FakeCustomer,
    FakeDispute,
    FakeIntent,
    FakeRefund,
    SavedCard,
)
from domain.capture_method import CaptureMethod
from domain.gateway_results import GatewayIntent, GatewayPaymentMethod, GatewayRefund
from domain.money import Money
from domain.statuses import PaymentStatus, RefundState

_CLASSES: dict[str, type[Any]] = {
    cls.__name__: cls
    for cls in (
        FakeIntent, FakeRefund, FakeDispute, FakeCustomer, SavedCard, Money,
        GatewayIntent, GatewayRefund, GatewayPaymentMethod,
    )
}  # fmt: skip
_ENUMS: dict[str, type[Enum]] = {
    cls.__name__: cls for cls in (CaptureMethod, PaymentStatus, RefundState)
}


def encode(value: Any) -> Any:
    """JSON-ready: dataclasses and enums tagged with their names, tuples kept as tuples."""
    if isinstance(value, Enum):
        return {"$enum": type(value).__name__, "value": value.value}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        name = type(value).__name__
        if name not in _CLASSES:
            raise TypeError(f"The fake gateway does not store {name}.")
        fields = {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {"$type": name, **fields}
    if isinstance(value, tuple):
        return {"$tuple": [encode(v) for v in value]}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        return {k: encode(v) for k, v in value.items()}
    return value


def decode(value: Any) -> Any:
    if isinstance(value, list):
        return [decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "$enum" in value:
        return _ENUMS[value["$enum"]](value["value"])
    if "$tuple" in value:
        return tuple(decode(v) for v in value["$tuple"])
    if "$type" in value:
        fields = {k: decode(v) for k, v in value.items() if k != "$type"}
        return _CLASSES[value["$type"]](**fields)
    return {k: decode(v) for k, v in value.items()}
