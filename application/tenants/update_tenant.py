"""Change a tenant's fee tier, status or fee override; every change is audited."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from application.audit import AuditTrail
from application.errors import UnknownFeeTierError
from application.ports.system import Clock
from application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from application.retry import retry_on_conflict
from application.tenants.queries import load_tenant
from domain.audit import Actor
from domain.fees import FeeOverride
from domain.tenant import Tenant, TenantStatus


@dataclass(frozen=True, slots=True)
class UpdateTenantCommand:
    tenant_id: str
    actor: Actor
    fee_tier: str | None = None
    status: TenantStatus | None = None


@dataclass(frozen=True, slots=True)
class SetFeeOverrideCommand:
    """`percentage_bps` and/or `fixed_amounts`; both None removes the override."""

    tenant_id: str
    actor: Actor
    percentage_bps: int | None = None
    fixed_amounts: Mapping[str, int] | None = None


class _TenantChange:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock, audit: AuditTrail) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._audit = audit

    async def _record_change(
        self, uow: UnitOfWork, actor: Actor, action: str, tenant: Tenant, old: object, new: object
    ) -> None:
        """The audit entry of one change to `tenant`, from `old` to `new`."""
        await self._audit.record(
            uow, actor, action, entity_type="tenant", entity_id=tenant.id, tenant_id=tenant.id,
            old=old, new=new,
        )  # fmt: skip


class UpdateTenant(_TenantChange):
    async def execute(self, cmd: UpdateTenantCommand) -> Tenant:
        async def attempt() -> Tenant:
            now = self._clock.now()
            async with self._uow_factory() as uow:
                tenant = await load_tenant(uow, cmd.tenant_id)
                changed = False
                if cmd.fee_tier is not None and cmd.fee_tier != tenant.fee_tier:
                    tier = await uow.fee_tiers.get(cmd.fee_tier)
                    if tier is None:
                        raise UnknownFeeTierError(f"No fee tier {cmd.fee_tier!r}.")
                    old = tenant.fee_tier
                    tenant.move_to_tier(tier, now)
                    changed = True
                    await self._record_change(
                        uow, cmd.actor, "tenant.fee_tier_changed", tenant, old, tier.code
                    )
                if cmd.status is not None and cmd.status is not tenant.status:
                    old_status = tenant.status
                    tenant.set_status(cmd.status, now)
                    changed = True
                    await self._record_change(
                        uow, cmd.actor, "tenant.status_changed", tenant, old_status.value,
                        cmd.status.value,
                    )  # fmt: skip
                if not changed:
                    return tenant  # no write, no audit entry
                await uow.tenants.save(tenant)
                await uow.commit()
                return tenant

        return await retry_on_conflict(attempt)


class SetFeeOverride(_TenantChange):
    async def execute(self, cmd: SetFeeOverrideCommand) -> Tenant:
        override = None
        if cmd.percentage_bps is not None or cmd.fixed_amounts is not None:
            override = FeeOverride(cmd.percentage_bps, cmd.fixed_amounts)

        async def attempt() -> Tenant:
            async with self._uow_factory() as uow:
                tenant = await load_tenant(uow, cmd.tenant_id)
                old = tenant.fee_override.describe() if tenant.fee_override else None
                if old == (override.describe() if override else None):
                    return tenant  # nothing changed: no write, no audit entry
                tenant.set_override(override, self._clock.now())
                action = "tenant.fee_override_set" if override else "tenant.fee_override_removed"
                new = override.describe() if override else None
                await self._record_change(uow, cmd.actor, action, tenant, old, new)
                await uow.tenants.save(tenant)
                await uow.commit()
                return tenant

        return await retry_on_conflict(attempt)
