"""Resolve the fee terms in force for a tenant's payment in one currency."""

from __future__ import annotations

from dataclasses import dataclass

from application.errors import NotFoundError
from application.ports.unit_of_work import UnitOfWork
from domain.fees import FeeSchedule, FeeTerms
from domain.tenant import Tenant


@dataclass(frozen=True, slots=True)
class TenantFees:
    tenant: Tenant
    terms: FeeTerms


class FeeTermsResolver:
    """Tier + tenant override for the platform; the configured pricing for the gateway."""

    def __init__(self, gateway_pricing: FeeSchedule) -> None:
        self._gateway_pricing = gateway_pricing

    async def resolve(self, uow: UnitOfWork, tenant_id: str, currency: str) -> TenantFees:
        tenant = await uow.tenants.get(tenant_id)
        if tenant is None:
            raise NotFoundError(f"No tenant {tenant_id}.", param="tenant_id")
        tier = await uow.fee_tiers.get(tenant.fee_tier)
        if tier is None:
            raise NotFoundError(f"No fee tier {tenant.fee_tier}.", param="fee_tier")
        terms = FeeTerms.resolve(tenant.platform_schedule(tier), self._gateway_pricing, currency)
        return TenantFees(tenant, terms)
