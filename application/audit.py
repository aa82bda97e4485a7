"""Writing and reading the audit trail."""

from __future__ import annotations

from typing import Any

from application.ports.repositories import AuditFilter, Page, PageRequest
from application.ports.system import Clock, IdFactory
from application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from domain.audit import Actor, AuditEntry


class AuditTrail:
    """Adds entries inside the caller's unit of work, so they commit with the change."""

    def __init__(self, clock: Clock, ids: IdFactory) -> None:
        self._clock = clock
        self._ids = ids

    async def record(
        self,
        uow: UnitOfWork,
        actor: Actor,
        action: str,
        *,
        entity_type: str,
        entity_id: str,
        tenant_id: str | None,
        **details: Any,
    ) -> None:
        await uow.audit.add(
            AuditEntry(
                id=self._ids.new("aud"),
                tenant_id=tenant_id,
                actor=actor,
                action=action,
                entity_type=entity_type,
                entity_id=entity_id,
                created_at=self._clock.now(),
                details=details,
            )
        )


class ListAuditEntries:
    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    async def execute(self, where: AuditFilter, page: PageRequest) -> Page[AuditEntry]:
        async with self._uow_factory() as uow:
            return await uow.audit.list(where, page)
