"""SQL repositories for tenants and the fee tiers they are on."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.persistence.sql.mapping import FEE_TIER, TENANT
from adapters.persistence.sql.statements import (
    ConnectionSource,
    insert_new,
    update_versioned,
)
from adapters.persistence.sql.tables import fee_tiers, tenants
from adapters.persistence.tenant_config_cache import CHANNEL
from domain.fees import FeeTier
from domain.tenant import Tenant


async def announce(conn: AsyncConnection, payload: str) -> None:
    """Tell every process's tenant cache, when (and only if) this transaction commits."""
    if conn.dialect.name == "postgresql":
        await conn.execute(select(func.pg_notify(CHANNEL, payload)))


class SqlTenantRepository:
    def __init__(self, source: ConnectionSource) -> None:
        self._source = source

    async def add(self, tenant: Tenant) -> None:
        conn = await self._source.connection()
        row = TENANT.to_row(tenant)
        await insert_new(conn, tenants, row, ["id"], f"Tenant {tenant.id}")
        await announce(conn, f"tenant:{tenant.id}")

    async def get(self, tenant_id: str) -> Tenant | None:
        conn = await self._source.connection()
        row = (await conn.execute(select(tenants).where(tenants.c.id == tenant_id))).mappings()
        found = row.one_or_none()
        return TENANT.from_row(found) if found is not None else None

    async def save(self, tenant: Tenant) -> None:
        conn = await self._source.connection()
        await update_versioned(
            conn, tenants, {"id": tenant.id}, TENANT.to_row(tenant),
            tenant, f"Tenant {tenant.id}",
        )  # fmt: skip
        await announce(conn, f"tenant:{tenant.id}")

    async def list(self) -> Sequence[Tenant]:
        conn = await self._source.connection()
        rows = await conn.execute(select(tenants).order_by(tenants.c.id))
        return [TENANT.from_row(row) for row in rows.mappings()]


class SqlFeeTierRepository:
    def __init__(self, source: ConnectionSource) -> None:
        self._source = source

    async def add(self, tier: FeeTier) -> None:
        conn = await self._source.connection()
        row, what = FEE_TIER.to_row(tier), f"Fee tier {tier.code}"
        await insert_new(conn, fee_tiers, row, ["code"], what)
        await announce(conn, f"tier:{tier.code}")

    async def get(self, code: str) -> FeeTier | None:
        conn = await self._source.connection()
        rows = await conn.execute(select(fee_tiers).where(fee_tiers.c.code == code))
        found = rows.mappings().one_or_none()
        return FEE_TIER.from_row(found) if found is not None else None

    async def save(self, tier: FeeTier) -> None:
        conn = await self._source.connection()
        await update_versioned(
            conn, fee_tiers, {"code": tier.code}, FEE_TIER.to_row(tier),
            tier, f"Fee tier {tier.code}",
        )  # fmt: skip
        await announce(conn, f"tier:{tier.code}")

    async def list(self) -> Sequence[FeeTier]:
        conn = await self._source.connection()
        rows = await conn.execute(select(fee_tiers).order_by(fee_tiers.c.level, fee_tiers.c.code))
        return [FEE_TIER.from_row(row) for row in rows.mappings()]
