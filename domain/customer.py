"""A tenant's end customer, and the cards they saved at the gateway."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(eq=False, slots=True)
class Customer:
    id: str
    tenant_id: str
    email: str
    name: str | None
    created_at: datetime
    gateway_customer_id: str | None = None
    version: int = 0


@dataclass(eq=False, slots=True)
class SavedPaymentMethod:
    """A card attached to the customer at the gateway; removal is a soft delete."""

    id: str
    tenant_id: str
    customer_id: str
    gateway_payment_method_id: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int
    created_at: datetime
    is_default: bool = False
    deleted_at: datetime | None = None
    version: int = 0

    @property
    def is_active(self) -> bool:
        return self.deleted_at is None

    def remove(self, now: datetime) -> None:
        self.deleted_at = now
        self.is_default = False
