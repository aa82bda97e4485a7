"""Resolve the fee terms in force for a tenant's payment in one currency."""

from __future__ import annotations

from dataclasses import dataclass

from application.errors import NotFoundError
from application.ports.config_cache import TenantConfig, TenantConfigCache
from application.ports.unit_of_work import UnitOfWork
from domain.fees import FeeSchedule, FeeTerms
from domain.tenant import Tenant


@dataclass(frozen=True, slots=True)
class TenantFees:
    tenant: Tenant
    terms: FeeTerms


class FeeTermsResolver:
    """Tier + tenant override for the platform; the configured pricing for the gateway.

    With a `cache`, the tenant and its tier are read once and then served from it until a
    change to either is heard (the cache's invalidation crosses processes); the tenant it
    hands out is shared, for reading only."""

    def __init__(self, gateway_pricing: FeeSchedule, cache: TenantConfigCache | None = None):
        self._gateway_pricing = gateway_pricing
        self._cache = cache

    async def resolve(self, uow: UnitOfWork, tenant_id: str, currency: str) -> TenantFees:
        tenant, tier = await self.config(uow, tenant_id)
        terms = FeeTerms.resolve(tenant.platform_schedule(tier), self._gateway_pricing, currency)
        return TenantFees(tenant, terms)

    async def config(self, uow: UnitOfWork, tenant_id: str) -> TenantConfig:
        """The tenant and its fee tier: from the cache, or read in `uow` and kept."""
        if self._cache is not None:
            cached = self._cache.get(tenant_id)
            if cached is not None:
                return cached
            generation = self._cache.generation()
        tenant = await uow.tenants.get(tenant_id)
        if tenant is None:
            raise NotFoundError(f"No tenant {tenant_id}.", param="tenant_id")
        tier = await uow.fee_tiers.get(tenant.fee_tier)
        if tier is None:
            raise NotFoundError(f"No fee tier {tenant.fee_tier}.", param="fee_tier")
        if self._cache is not None:
            self._cache.put(tenant_id, (tenant, tier), generation)
        return tenant, tier
