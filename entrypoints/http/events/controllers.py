"""Merchant events and webhook endpoints over HTTP (SPEC §14), scoped to the caller's
tenant: events for any merchant, endpoints and their deliveries for merchant admins."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any

from litestar import Controller, Request, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter
from msgspec import Meta, Struct

from application.access import Principal
from application.events.endpoints import EndpointChanges, WebhookEndpoints
from application.events.queries import MerchantEventQueries, RedeliverEvent
from application.ports.repositories import PageRequest
from domain.merchant_event import ALL_EVENTS, EVENT_TYPES
from entrypoints.http.edge.auth import requires
from entrypoints.http.edge.dependencies import from_container
from entrypoints.http.events.resources import (
    DeliveryList,
    EventList,
    WebhookEndpointList,
    WebhookEndpointResource,
    delivery_resource,
    endpoint_resource,
    event_list,
    event_resource,
)
from entrypoints.http.payments.outcome import documented
from entrypoints.http.payments.schemas import parse_body

Url = Annotated[str, Meta(min_length=8, max_length=2048, pattern=r"^https?://\S+$")]
# The types a merchant event can have, or "*" for all of them: a pattern, so the OpenAPI
# document names exactly what is accepted.
_EVENT_TYPE = "^(" + "|".join(re.escape(t) for t in (ALL_EVENTS, *EVENT_TYPES)) + ")$"
EventTypes = Annotated[
    list[Annotated[str, Meta(pattern=_EVENT_TYPE)]], Meta(min_length=1, max_length=32)
]
Description = Annotated[str, Meta(max_length=500)]


class EventsController(Controller):
    path = "/events"
    tags = ["events"]
    dependencies = {
        "event_queries": from_container("merchant_event_queries"),
        "redeliver_event": from_container("redeliver_event"),
    }

    @get("/", summary="The tenant's events of the last 30 days, newest first",
         responses=documented(400, 401, 403))  # fmt: skip
    async def list_events(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        event_queries: NamedDependency[MerchantEventQueries],
        page: NamedDependency[PageRequest],
        type: Annotated[  # Stripe's parameter name
            str | None,
            QueryParameter(min_length=1, max_length=64, description=", ".join(EVENT_TYPES)),
        ] = None,
    ) -> EventList:
        found = await event_queries.list(principal.tenant_id, type, page)
        return event_list(found.data, found.has_more, request.url.path)

    @get("/{event_id:str}", summary="One event, as it was sent",
         responses=documented(401, 403, 404))  # fmt: skip
    async def get_event(
        self,
        event_id: FromPath[str],
        principal: NamedDependency[Principal],
        event_queries: NamedDependency[MerchantEventQueries],
    ) -> dict[str, Any]:
        return event_resource(await event_queries.get(principal.tenant_id, event_id))

    @post("/{event_id:str}/redeliver", status_code=202, guards=[requires("merchant_admin")],
          summary="Deliver the event again to every endpoint it went to",
          responses=documented(401, 403, 404))  # fmt: skip
    async def redeliver(
        self,
        event_id: FromPath[str],
        principal: NamedDependency[Principal],
        redeliver_event: NamedDependency[RedeliverEvent],
    ) -> dict[str, int]:
        return {"deliveries": await redeliver_event.execute(principal.tenant_id, event_id)}


class CreateEndpointBody(Struct, forbid_unknown_fields=True, kw_only=True):
    url: Url
    enabled_events: EventTypes
    description: Description | None = None


class UpdateEndpointBody(Struct, forbid_unknown_fields=True, kw_only=True):
    url: Url | None = None
    enabled_events: EventTypes | None = None
    description: Description | None = None
    disabled: bool | None = None


class RotateSecretBody(Struct, forbid_unknown_fields=True, kw_only=True):
    overlap_hours: Annotated[int, Meta(ge=0, le=168)] = 24


class WebhookEndpointsController(Controller):
    path = "/webhook-endpoints"
    tags = ["events"]
    guards = [requires("merchant_admin")]
    dependencies = {
        "endpoints": from_container("webhook_endpoints"),
        "event_queries": from_container("merchant_event_queries"),
    }

    @post("/", status_code=201, summary="Register an endpoint; its secret is shown once",
          responses=documented(400, 401, 403))  # fmt: skip
    async def create(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[CreateEndpointBody],
        principal: NamedDependency[Principal],
        endpoints: NamedDependency[WebhookEndpoints],
    ) -> WebhookEndpointResource:
        body = await parse_body(request, CreateEndpointBody)
        made = await endpoints.create(
            principal.tenant_id, body.url, body.enabled_events, body.description
        )
        return endpoint_resource(made, with_secret=True)

    @get("/", summary="The tenant's endpoints", responses=documented(401, 403))
    async def list_endpoints(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        endpoints: NamedDependency[WebhookEndpoints],
    ) -> WebhookEndpointList:
        found = await endpoints.list(principal.tenant_id)
        return WebhookEndpointList(data=[endpoint_resource(e) for e in found], url=request.url.path)

    @get("/{endpoint_id:str}", summary="One endpoint", responses=documented(401, 403, 404))
    async def get_endpoint(
        self,
        endpoint_id: FromPath[str],
        principal: NamedDependency[Principal],
        endpoints: NamedDependency[WebhookEndpoints],
    ) -> WebhookEndpointResource:
        return endpoint_resource(await endpoints.get(principal.tenant_id, endpoint_id))

    @patch("/{endpoint_id:str}", summary="Change an endpoint (or disable / enable it)",
           responses=documented(400, 401, 403, 404, 409))  # fmt: skip
    async def update(
        self,
        request: Request[Any, Any, Any],
        endpoint_id: FromPath[str],
        data: JSONBody[UpdateEndpointBody],
        principal: NamedDependency[Principal],
        endpoints: NamedDependency[WebhookEndpoints],
    ) -> WebhookEndpointResource:
        body = await parse_body(request, UpdateEndpointBody)
        changes = EndpointChanges(
            url=body.url,
            enabled_events=body.enabled_events,
            description=body.description,
            disabled=body.disabled,
        )
        return endpoint_resource(await endpoints.update(principal.tenant_id, endpoint_id, changes))

    @post("/{endpoint_id:str}/rotate-secret", status_code=200,
          summary="A new secret; the old one keeps signing during the overlap",
          responses=documented(400, 401, 403, 404, 409))  # fmt: skip
    async def rotate_secret(
        self,
        request: Request[Any, Any, Any],
        endpoint_id: FromPath[str],
        data: JSONBody[RotateSecretBody],
        principal: NamedDependency[Principal],
        endpoints: NamedDependency[WebhookEndpoints],
    ) -> WebhookEndpointResource:
        body = await parse_body(request, RotateSecretBody)
        overlap = timedelta(hours=body.overlap_hours)
        rotated = await endpoints.rotate_secret(principal.tenant_id, endpoint_id, overlap)
        return endpoint_resource(rotated, with_secret=True)

    @delete("/{endpoint_id:str}", status_code=204, summary="Remove an endpoint",
            responses=documented(401, 403, 404))  # fmt: skip
    async def remove(
        self,
        endpoint_id: FromPath[str],
        principal: NamedDependency[Principal],
        endpoints: NamedDependency[WebhookEndpoints],
    ) -> None:
        await endpoints.delete(principal.tenant_id, endpoint_id)

    @get("/{endpoint_id:str}/deliveries", summary="Deliveries to the endpoint, newest first",
         responses=documented(400, 401, 403, 404))  # fmt: skip
    async def deliveries(
        self,
        request: Request[Any, Any, Any],
        endpoint_id: FromPath[str],
        principal: NamedDependency[Principal],
        event_queries: NamedDependency[MerchantEventQueries],
        page: NamedDependency[PageRequest],
    ) -> DeliveryList:
        found = await event_queries.deliveries_of_endpoint(principal.tenant_id, endpoint_id, page)
        return DeliveryList(
            data=[delivery_resource(d) for d in found.data],
            has_more=found.has_more,
            url=request.url.path,
        )
