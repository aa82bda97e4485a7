"""SQL repositories for tenants, fee tiers and idempotency records (payments: their own module)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, delete, select

from adapters.persistence.sql.mapping import FEE_TIER, IDEMPOTENCY_RECORD, TENANT
from adapters.persistence.sql.payment_repository import SqlPaymentRepository
from adapters.persistence.sql.statements import (
    ConnectionSource,
    insert_if_absent,
    update_versioned,
)
from adapters.persistence.sql.tables import fee_tiers, idempotency_keys, tenants
from application.errors import IdempotencyKeyInUseError, StaleAggregateError
from domain.fees import FeeTier
from domain.idempotency import IdempotencyRecord
from domain.tenant import Tenant

__all__ = [
    "SqlFeeTierRepository",
    "SqlIdempotencyRepository",
    "SqlPaymentRepository",
    "SqlTenantRepository",
]


class SqlTenantRepository:
    def __init__(self, source: ConnectionSource) -> None:
        self._source = source

    async def add(self, tenant: Tenant) -> None:
        conn = await self._source.connection()
        if not await insert_if_absent(conn, tenants, TENANT.to_row(tenant), ["id"]):
            raise StaleAggregateError(f"Tenant {tenant.id} exists already.")

    async def get(self, tenant_id: str) -> Tenant | None:
        conn = await self._source.connection()
        row = (await conn.execute(select(tenants).where(tenants.c.id == tenant_id))).mappings()
        found = row.one_or_none()
        return TENANT.from_row(found) if found is not None else None

    async def save(self, tenant: Tenant) -> None:
        conn = await self._source.connection()
        await update_versioned(
            conn, tenants, [tenants.c.id == tenant.id], TENANT.to_row(tenant),
            tenant.version, f"Tenant {tenant.id}",
        )  # fmt: skip
        tenant.version += 1

    async def list(self) -> Sequence[Tenant]:
        conn = await self._source.connection()
        rows = await conn.execute(select(tenants).order_by(tenants.c.id))
        return [TENANT.from_row(row) for row in rows.mappings()]


class SqlFeeTierRepository:
    def __init__(self, source: ConnectionSource) -> None:
        self._source = source

    async def add(self, tier: FeeTier) -> None:
        conn = await self._source.connection()
        if not await insert_if_absent(conn, fee_tiers, FEE_TIER.to_row(tier), ["code"]):
            raise StaleAggregateError(f"Fee tier {tier.code} exists already.")

    async def get(self, code: str) -> FeeTier | None:
        conn = await self._source.connection()
        rows = await conn.execute(select(fee_tiers).where(fee_tiers.c.code == code))
        found = rows.mappings().one_or_none()
        return FEE_TIER.from_row(found) if found is not None else None

    async def save(self, tier: FeeTier) -> None:
        conn = await self._source.connection()
        await update_versioned(
            conn, fee_tiers, [fee_tiers.c.code == tier.code], FEE_TIER.to_row(tier),
            tier.version, f"Fee tier {tier.code}",
        )  # fmt: skip
        tier.version += 1

    async def list(self) -> Sequence[FeeTier]:
        conn = await self._source.connection()
        rows = await conn.execute(select(fee_tiers).order_by(fee_tiers.c.level, fee_tiers.c.code))
        return [FEE_TIER.from_row(row) for row in rows.mappings()]


class SqlIdempotencyRepository:
    def __init__(self, source: ConnectionSource) -> None:
        self._source = source

    def _key(self, tenant_id: str, key: str) -> list[ColumnElement[bool]]:
        return [idempotency_keys.c.tenant_id == tenant_id, idempotency_keys.c.key == key]

    async def add(self, record: IdempotencyRecord) -> None:
        conn = await self._source.connection()
        row = IDEMPOTENCY_RECORD.to_row(record)
        if not await insert_if_absent(conn, idempotency_keys, row, ["tenant_id", "key"]):
            raise IdempotencyKeyInUseError("This Idempotency-Key is taken.")

    async def get(self, tenant_id: str, key: str) -> IdempotencyRecord | None:
        conn = await self._source.connection()
        rows = await conn.execute(select(idempotency_keys).where(*self._key(tenant_id, key)))
        found = rows.mappings().one_or_none()
        return IDEMPOTENCY_RECORD.from_row(found) if found is not None else None

    async def save(self, record: IdempotencyRecord) -> None:
        conn = await self._source.connection()
        await update_versioned(
            conn, idempotency_keys, self._key(record.tenant_id, record.key),
            IDEMPOTENCY_RECORD.to_row(record), record.version, f"Idempotency key {record.key!r}",
        )  # fmt: skip
        record.version += 1

    async def delete(self, tenant_id: str, key: str) -> None:
        conn = await self._source.connection()
        await conn.execute(delete(idempotency_keys).where(*self._key(tenant_id, key)))

    async def purge_expired(self, now: datetime) -> int:
        conn = await self._source.connection()
        result = await conn.execute(
            delete(idempotency_keys).where(idempotency_keys.c.expires_at <= now)
        )
        return result.rowcount
