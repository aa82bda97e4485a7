"""The SQL idempotency records: a key claimed with one insert, its answer saved with it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, delete, select

from adapters.persistence.sql.mapping import IDEMPOTENCY_RECORD
from adapters.persistence.sql.statements import WriteSource, new_row, versioned_update
from adapters.persistence.sql.tables import idempotency_keys
from application.errors import IdempotencyKeyInUseError
from domain.idempotency import IdempotencyRecord


class SqlIdempotencyRepository:
    def __init__(self, source: WriteSource) -> None:
        self._source = source

    def _key(self, tenant_id: str, key: str) -> list[ColumnElement[bool]]:
        return [idempotency_keys.c.tenant_id == tenant_id, idempotency_keys.c.key == key]

    async def add(self, record: IdempotencyRecord) -> None:
        row = IDEMPOTENCY_RECORD.to_row(record)
        await self._source.write(
            new_row(
                self._source.dialect, idempotency_keys, row, ["tenant_id", "key"], "",
                taken=lambda: IdempotencyKeyInUseError("This Idempotency-Key is taken."),
            )
        )  # fmt: skip

    async def get(self, tenant_id: str, key: str) -> IdempotencyRecord | None:
        conn = await self._source.single_statement()
        rows = await conn.execute(select(idempotency_keys).where(*self._key(tenant_id, key)))
        found = rows.mappings().one_or_none()
        return IDEMPOTENCY_RECORD.from_row(found) if found is not None else None

    async def save(self, record: IdempotencyRecord) -> None:
        await self._source.write(
            versioned_update(
                idempotency_keys, {"tenant_id": record.tenant_id, "key": record.key},
                IDEMPOTENCY_RECORD.to_row(record), record.version,
                f"Idempotency key {record.key!r}",
            )
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
