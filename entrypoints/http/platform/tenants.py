"""Platform tenants: create, read, move between tiers, suspend, override fees (§4, §9).

`platform_admin` only. A tier code in the path that does not exist is 404; one named in a
request body is a bad parameter: 400 `invalid_request_error`, `param: fee_tier`.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, delete, get, patch, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from application.access import Principal
from application.tenants.create_tenant import CreateTenant, CreateTenantCommand
from application.tenants.queries import GetTenant
from application.tenants.update_tenant import (
    SetFeeOverride,
    SetFeeOverrideCommand,
    UpdateTenant,
    UpdateTenantCommand,
)
from domain.fees import DEFAULT_TIER_CODE
from domain.tenant import TenantStatus
from entrypoints.http.edge.acting import Acting
from entrypoints.http.edge.actor import actor_of
from entrypoints.http.edge.auth import requires
from entrypoints.http.edge.dependencies import each_from_container
from entrypoints.http.edge.idempotency import documented_key
from entrypoints.http.edge.openapi import OptionalBodyOperation
from entrypoints.http.payments.schemas import parse_body
from entrypoints.http.platform.docs import documented
from entrypoints.http.platform.resources import TenantResource, tenant_resource
from entrypoints.http.platform.schemas import CreateTenantBody, FeeOverrideBody, UpdateTenantBody

PLATFORM_ADMIN = requires("platform_admin")


class TenantCreationController(Controller):
    path = "/tenants"
    tags = ["platform"]
    guards = [PLATFORM_ADMIN]
    parameters = documented_key()
    dependencies = each_from_container("create_tenant")

    @post(
        "/",
        status_code=201,
        summary="Create a tenant (platform_admin)",
        responses=documented(400, 401, 403, 409),
    )
    async def create(
        self,
        data: JSONBody[CreateTenantBody],
        acting: NamedDependency[Acting],
        create_tenant: NamedDependency[CreateTenant],
    ) -> Response[TenantResource]:
        body = await parse_body(acting.request, CreateTenantBody)
        command = CreateTenantCommand(
            name=body.name,
            fee_tier=body.fee_tier or DEFAULT_TIER_CODE,
            tenant_id=body.id,
            connected_account_id=body.connected_account_id,
            actor=acting.actor,
        )
        return await acting.created(lambda: create_tenant.execute(command), tenant_resource)


class TenantsController(Controller):
    path = "/tenants/{tenant_id:str}"
    tags = ["platform"]
    guards = [PLATFORM_ADMIN]
    dependencies = each_from_container("get_tenant", "update_tenant", "set_fee_override")

    @get("/", summary="Retrieve a tenant (platform_admin)", responses=documented(401, 403, 404))
    async def retrieve(
        self, tenant_id: FromPath[str], get_tenant: NamedDependency[GetTenant]
    ) -> TenantResource:
        return tenant_resource(await get_tenant.execute(tenant_id))

    @patch(
        "/",
        summary="Move a tenant to another tier, suspend or resume it (platform_admin)",
        operation_class=OptionalBodyOperation,
        responses=documented(400, 401, 403, 404),
    )
    async def update(
        self,
        request: Request[Any, Any, Any],
        tenant_id: FromPath[str],
        principal: NamedDependency[Principal],
        update_tenant: NamedDependency[UpdateTenant],
        data: JSONBody[UpdateTenantBody | None] = None,
    ) -> TenantResource:
        body = await parse_body(request, UpdateTenantBody)
        command = UpdateTenantCommand(
            tenant_id=tenant_id,
            actor=actor_of(request, principal),
            fee_tier=body.fee_tier,
            status=TenantStatus(body.status) if body.status else None,
        )
        return tenant_resource(await update_tenant.execute(command))

    @put(
        "/fee-override",
        summary="Set the tenant's own fees, replacing its tier's (platform_admin)",
        responses=documented(400, 401, 403, 404),
    )
    async def set_override(
        self,
        request: Request[Any, Any, Any],
        tenant_id: FromPath[str],
        data: JSONBody[FeeOverrideBody],
        principal: NamedDependency[Principal],
        set_fee_override: NamedDependency[SetFeeOverride],
    ) -> TenantResource:
        body = await parse_body(request, FeeOverrideBody)
        command = SetFeeOverrideCommand(
            tenant_id=tenant_id,
            actor=actor_of(request, principal),
            percentage_bps=body.percentage_bps,
            fixed_amounts=body.fixed_amounts,
        )
        return tenant_resource(await set_fee_override.execute(command))

    @delete(
        "/fee-override",
        status_code=200,
        summary="Remove the tenant's override: its tier's fees apply again (platform_admin)",
        responses=documented(401, 403, 404),
    )
    async def remove_override(
        self,
        request: Request[Any, Any, Any],
        tenant_id: FromPath[str],
        principal: NamedDependency[Principal],
        set_fee_override: NamedDependency[SetFeeOverride],
    ) -> TenantResource:
        command = SetFeeOverrideCommand(tenant_id=tenant_id, actor=actor_of(request, principal))
        return tenant_resource(await set_fee_override.execute(command))
