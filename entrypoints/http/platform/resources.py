"""Response resources of the platform API: tenant, fee tier, audit entry (SPEC §4, §9)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Literal

from msgspec import Struct

from domain.audit import AuditEntry
from domain.fees import FeeOverride, FeeTier
from domain.tenant import Tenant, TenantStatus


class FeeOverrideResource(Struct, kw_only=True):
    """`null` in a field: the tenant's tier decides it."""

    percentage_bps: int | None
    fixed_amounts: dict[str, int] | None


class TenantResource(Struct, kw_only=True):
    id: str
    object: Literal["tenant"] = "tenant"
    name: str
    status: TenantStatus
    fee_tier: str
    fee_override: FeeOverrideResource | None
    connected_account_id: str | None
    created_at: datetime
    updated_at: datetime


class FeeTierResource(Struct, kw_only=True):
    code: str
    object: Literal["fee_tier"] = "fee_tier"
    name: str
    level: int
    percentage_bps: int
    fixed_amounts: dict[str, int]


class FeeTierList(Struct, kw_only=True):
    object: Literal["list"] = "list"
    data: list[FeeTierResource]
    has_more: bool
    url: str


class AuditActorResource(Struct, kw_only=True):
    kind: str
    id: str
    ip: str | None
    user_agent: str | None
    request_id: str | None


class AuditEntryResource(Struct, kw_only=True):
    id: str
    object: Literal["audit_entry"] = "audit_entry"
    tenant_id: str | None
    actor: AuditActorResource
    action: str
    entity_type: str
    entity_id: str
    details: dict[str, Any]
    created_at: datetime


class AuditEntryList(Struct, kw_only=True):
    object: Literal["list"] = "list"
    data: list[AuditEntryResource]
    has_more: bool
    url: str


def lower_currencies(amounts: Mapping[str, int]) -> dict[str, int]:
    """Currency keys as the API speaks them: lower-case, as Stripe does."""
    return {currency.lower(): amount for currency, amount in sorted(amounts.items())}


def _override(override: FeeOverride | None) -> FeeOverrideResource | None:
    if override is None:
        return None
    fixed = override.fixed_amounts
    return FeeOverrideResource(
        percentage_bps=override.percentage_bps,
        fixed_amounts=None if fixed is None else lower_currencies(fixed),
    )


def tenant_resource(tenant: Tenant) -> TenantResource:
    return TenantResource(
        id=tenant.id,
        name=tenant.name,
        status=tenant.status,
        fee_tier=tenant.fee_tier,
        fee_override=_override(tenant.fee_override),
        connected_account_id=tenant.connected_account_id,
        created_at=tenant.created_at.astimezone(UTC),
        updated_at=tenant.updated_at.astimezone(UTC),
    )


def fee_tier_resource(tier: FeeTier) -> FeeTierResource:
    return FeeTierResource(
        code=tier.code,
        name=tier.name,
        level=tier.level,
        percentage_bps=tier.schedule.percentage_bps,
        fixed_amounts=lower_currencies(tier.schedule.fixed_amounts),
    )


def fee_tier_list(tiers: Sequence[FeeTier], url: str) -> FeeTierList:
    ordered = sorted(tiers, key=lambda t: (t.level, t.code))
    return FeeTierList(data=[fee_tier_resource(t) for t in ordered], has_more=False, url=url)


def _public_details(value: Any) -> Any:
    """Fee schedules recorded in details show their currencies lower-case, like the API."""
    if isinstance(value, Mapping):
        return {
            key: (
                lower_currencies(item)
                if key == "fixed_amounts" and isinstance(item, Mapping)
                else _public_details(item)
            )
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [_public_details(item) for item in value]
    return value


def audit_entry_resource(entry: AuditEntry) -> AuditEntryResource:
    actor = entry.actor
    return AuditEntryResource(
        id=entry.id,
        tenant_id=entry.tenant_id,
        actor=AuditActorResource(
            kind=actor.kind,
            id=actor.id,
            ip=actor.ip,
            user_agent=actor.user_agent,
            request_id=actor.request_id,
        ),
        action=entry.action,
        entity_type=entry.entity_type,
        entity_id=entry.entity_id,
        details=_public_details(entry.details),
        created_at=entry.created_at.astimezone(UTC),
    )


def audit_entry_list(entries: Sequence[AuditEntry], has_more: bool, url: str) -> AuditEntryList:
    return AuditEntryList(
        data=[audit_entry_resource(e) for e in entries], has_more=has_more, url=url
    )
