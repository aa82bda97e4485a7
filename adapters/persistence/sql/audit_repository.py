"""The SQL audit trail: append-only entries, listed newest first."""

from __future__ import annotations

from sqlalchemy import ColumnElement, insert

from adapters.persistence.sql.mapping import AUDIT_ENTRY
from adapters.persistence.sql.pagination import newest_first_page
from adapters.persistence.sql.statements import ConnectionSource
from adapters.persistence.sql.tables import audit_entries
from application.ports.repositories import AuditFilter, Page, PageRequest
from domain.audit import AuditEntry

_INSERT = insert(audit_entries)


class SqlAuditRepository:
    def __init__(self, source: ConnectionSource) -> None:
        self._source = source

    async def add(self, entry: AuditEntry) -> None:
        conn = await self._source.connection()
        await conn.execute(_INSERT, AUDIT_ENTRY.to_row(entry))

    async def list(self, where: AuditFilter, page: PageRequest) -> Page[AuditEntry]:
        conn = await self._source.connection()
        owner: list[ColumnElement[bool]] = []
        if where.tenant_id is not None:
            owner.append(audit_entries.c.tenant_id == where.tenant_id)
        found = await newest_first_page(
            conn, audit_entries, _filters(where), audit_entries.c.created_at, page, owner=owner
        )
        return Page([AUDIT_ENTRY.from_row(row) for row in found.data], found.has_more)


def _filters(where: AuditFilter) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    if where.tenant_id is not None:
        clauses.append(audit_entries.c.tenant_id == where.tenant_id)
    if where.action is not None:
        clauses.append(audit_entries.c.action == where.action)
    if where.entity_id is not None:
        clauses.append(audit_entries.c.entity_id == where.entity_id)
    return clauses
