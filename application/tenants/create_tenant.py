"""Create a tenant (a merchant of the platform) on a fee tier."""

from __future__ import annotations

from dataclasses import dataclass

from application.audit import AuditTrail
from application.errors import ConflictError, UnknownFeeTierError
from application.ports.system import Clock, IdFactory
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.audit import SYSTEM, Actor
from domain.fees import DEFAULT_TIER_CODE
from domain.tenant import Tenant


@dataclass(frozen=True, slots=True)
class CreateTenantCommand:
    name: str
    fee_tier: str = DEFAULT_TIER_CODE
    tenant_id: str | None = None
    connected_account_id: str | None = None
    actor: Actor = SYSTEM


class CreateTenant:
    def __init__(
        self, uow_factory: UnitOfWorkFactory, clock: Clock, ids: IdFactory, audit: AuditTrail
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._ids = ids
        self._audit = audit

    async def execute(self, cmd: CreateTenantCommand) -> Tenant:
        now = self._clock.now()
        tenant = Tenant(
            id=cmd.tenant_id or self._ids.new("ten"),
            name=cmd.name,
            created_at=now,
            updated_at=now,
            fee_tier=cmd.fee_tier,
            connected_account_id=cmd.connected_account_id,
        )
        async with self._uow_factory() as uow:
            if await uow.fee_tiers.get(cmd.fee_tier) is None:
                raise UnknownFeeTierError(f"No fee tier {cmd.fee_tier!r}.")
            if await uow.tenants.get(tenant.id) is not None:
                raise ConflictError(f"Tenant {tenant.id} exists already.", param="id")
            await uow.tenants.add(tenant)
            await self._audit.record(
                uow,
                cmd.actor,
                "tenant.created",
                entity_type="tenant",
                entity_id=tenant.id,
                tenant_id=tenant.id,
                name=tenant.name,
                fee_tier=tenant.fee_tier,
            )
            await uow.commit()
        return tenant
