"""A refund of (part of) a captured payment; it lives inside the Payment aggregate."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.money import Money
from domain.statuses import RefundState


@dataclass(eq=False, slots=True)
class Refund:
    id: str
    amount: Money
    reason: str | None
    status: RefundState
    created_at: datetime
    updated_at: datetime
    platform_fee_reversed: Money
    gateway_refund_id: str | None = None
    failure_reason: str | None = None
