"""A port for the tenant configuration the hot paths read on every request."""

from __future__ import annotations

from typing import Protocol

from domain.fees import FeeTier
from domain.tenant import Tenant

TenantConfig = tuple[Tenant, FeeTier]


class TenantConfigCache(Protocol):
    """Tenants and their fee tiers as last read, shared by this process's requests (read
    only). An implementation keeps an entry only while it is sure to hear of every change
    committed by any process; otherwise it keeps nothing and every request reads."""

    def get(self, tenant_id: str) -> TenantConfig | None: ...

    def generation(self) -> int:
        """Moves on every change heard: read it before reading the store, hand it to `put`."""
        ...

    def put(self, tenant_id: str, config: TenantConfig, generation: int) -> None:
        """Keep `config`, unless a change was heard since `generation` (it may be stale)."""
        ...
