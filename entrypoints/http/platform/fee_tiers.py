"""The platform's fee tiers: list them, reprice one (§4; platform_admin only)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from application.access import Principal
from application.fees.tiers import ListFeeTiers, UpdateFeeTier, UpdateFeeTierCommand
from entrypoints.http.edge.actor import actor_of
from entrypoints.http.edge.auth import requires
from entrypoints.http.edge.dependencies import each_from_container
from entrypoints.http.payments.schemas import parse_body
from entrypoints.http.platform.docs import documented
from entrypoints.http.platform.resources import (
    FeeTierList,
    FeeTierResource,
    fee_tier_list,
    fee_tier_resource,
)
from entrypoints.http.platform.schemas import UpdateFeeTierBody


class FeeTiersController(Controller):
    path = "/fee-tiers"
    tags = ["platform"]
    guards = [requires("platform_admin")]
    dependencies = each_from_container("list_fee_tiers", "update_fee_tier")

    @get("/", summary="List the fee tiers, by level (platform_admin)", responses=documented(401))
    async def list_tiers(
        self, request: Request[Any, Any, Any], list_fee_tiers: NamedDependency[ListFeeTiers]
    ) -> FeeTierList:
        return fee_tier_list(await list_fee_tiers.execute(), request.url.path)

    @put(
        "/{code:str}",
        summary="Reprice a tier for payments captured from now on (platform_admin)",
        responses=documented(400, 401, 403, 404),
    )
    async def update_tier(
        self,
        request: Request[Any, Any, Any],
        code: FromPath[str],
        data: JSONBody[UpdateFeeTierBody],
        principal: NamedDependency[Principal],
        update_fee_tier: NamedDependency[UpdateFeeTier],
    ) -> FeeTierResource:
        body = await parse_body(request, UpdateFeeTierBody)
        command = UpdateFeeTierCommand(
            code=code,
            actor=actor_of(request, principal),
            percentage_bps=body.percentage_bps,
            fixed_amounts=body.fixed_amounts,
            name=body.name,
        )
        return fee_tier_resource(await update_fee_tier.execute(command))
