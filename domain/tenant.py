"""A merchant on the platform: its fee tier, optional override and Stripe connected account."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from domain.errors import DomainError
from domain.fees import DEFAULT_TIER_CODE, FeeOverride, FeeSchedule, FeeTier


class TenantStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"


class TenantSuspendedError(DomainError):
    code = "tenant_suspended"


@dataclass(eq=False, slots=True)
class Tenant:
    id: str
    name: str
    created_at: datetime
    updated_at: datetime
    fee_tier: str = DEFAULT_TIER_CODE
    fee_override: FeeOverride | None = None
    connected_account_id: str | None = None
    status: TenantStatus = TenantStatus.ACTIVE
    version: int = 0

    def ensure_active(self) -> None:
        if self.status is not TenantStatus.ACTIVE:
            raise TenantSuspendedError(f"Tenant {self.id} is suspended.")

    def platform_schedule(self, tier: FeeTier) -> FeeSchedule:
        """The tier's schedule with this tenant's override laid over it."""
        if self.fee_override is None:
            return tier.schedule
        return self.fee_override.apply_to(tier.schedule)

    def move_to_tier(self, tier: FeeTier, now: datetime) -> None:
        self.fee_tier = tier.code
        self.updated_at = now

    def set_override(self, override: FeeOverride | None, now: datetime) -> None:
        self.fee_override = override
        self.updated_at = now

    def set_status(self, status: TenantStatus, now: datetime) -> None:
        self.status = status
        self.updated_at = now
