"""The customer's saved cards and the gateway's billing portal, reached by a link (§7)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from application.portal.authenticate import PortalSession
from application.portal.methods import SavedMethods
from entrypoints.http.customers.schemas import AddMethodBody, PortalSessionBody, parse_checked
from entrypoints.http.edge.dependencies import each_from_container
from entrypoints.http.edge.openapi import OptionalBodyOperation
from entrypoints.http.edge.rate_limits import METHODS, VIEW, bucket
from entrypoints.http.portal.resources import (
    BillingPortalResource,
    RemovedMethodResource,
    SavedMethodList,
    SavedMethodResource,
    saved_method_list,
    saved_method_resource,
)
from entrypoints.http.portal.session import portal_responses
from entrypoints.settings import Settings


class PortalMethodsController(Controller):
    path = "/"
    tags = ["portal"]
    dependencies = each_from_container("saved_methods", "settings")

    @get(
        "/methods",
        opt=bucket(VIEW),
        summary="The customer's saved cards",
        responses=portal_responses(401, 429),
    )
    async def list_methods(
        self,
        portal_session: NamedDependency[PortalSession],
        saved_methods: NamedDependency[SavedMethods],
    ) -> SavedMethodList:
        return saved_method_list(await saved_methods.list(portal_session))

    @post(
        "/methods",
        status_code=201,
        opt=bucket(METHODS),
        summary="Save a card (attached at the gateway)",
        responses=portal_responses(400, 401, 409, 429, 502),
    )
    async def add_method(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[AddMethodBody],
        portal_session: NamedDependency[PortalSession],
        saved_methods: NamedDependency[SavedMethods],
    ) -> SavedMethodResource:
        body = await parse_checked(request, AddMethodBody)
        method = await saved_methods.add(
            portal_session, body.gateway_payment_method_id, body.set_as_default
        )
        return saved_method_resource(method)

    @delete(
        "/methods/{method_id:str}",
        status_code=200,
        opt=bucket(METHODS),
        summary="Remove a saved card (detached at the gateway)",
        responses=portal_responses(401, 404, 429, 502),
    )
    async def remove_method(
        self,
        method_id: FromPath[str],
        portal_session: NamedDependency[PortalSession],
        saved_methods: NamedDependency[SavedMethods],
    ) -> RemovedMethodResource:
        removed = await saved_methods.remove(portal_session, method_id)
        return RemovedMethodResource(id=removed.id)

    @put(
        "/methods/{method_id:str}/default",
        opt=bucket(METHODS),
        summary="Make a saved card the default",
        responses=portal_responses(401, 404, 429, 502),
    )
    async def set_default(
        self,
        method_id: FromPath[str],
        portal_session: NamedDependency[PortalSession],
        saved_methods: NamedDependency[SavedMethods],
    ) -> SavedMethodResource:
        return saved_method_resource(await saved_methods.set_default(portal_session, method_id))

    @post(
        "/portal-session",
        status_code=201,
        opt=bucket(METHODS),
        summary="Open the gateway's billing portal for the customer",
        operation_class=OptionalBodyOperation,
        description="`return_url` defaults to Kassa's `/pay` page; the link itself is never "
        "sent to the gateway.",
        responses=portal_responses(400, 401, 429, 502),
    )
    async def billing_portal(
        self,
        request: Request[Any, Any, Any],
        portal_session: NamedDependency[PortalSession],
        saved_methods: NamedDependency[SavedMethods],
        settings: NamedDependency[Settings],
        data: JSONBody[PortalSessionBody | None] = None,
    ) -> BillingPortalResource:
        body = await parse_checked(request, PortalSessionBody)
        return_url = body.return_url or f"{settings.base_url}/pay"
        url = await saved_methods.billing_portal_url(portal_session, return_url)
        return BillingPortalResource(url=url)
