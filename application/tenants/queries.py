"""Reading tenants."""

from __future__ import annotations

from collections.abc import Sequence

from application.errors import existing
from application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from domain.tenant import Tenant


async def load_tenant(uow: UnitOfWork, tenant_id: str) -> Tenant:
    return existing(await uow.tenants.get(tenant_id), "tenant", tenant_id, param="id")


class GetTenant:
    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    async def execute(self, tenant_id: str) -> Tenant:
        async with self._uow_factory() as uow:
            return await load_tenant(uow, tenant_id)


class ListTenants:
    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    async def execute(self) -> Sequence[Tenant]:
        async with self._uow_factory() as uow:
            return await uow.tenants.list()
