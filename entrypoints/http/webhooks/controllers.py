"""Gateway webhooks (§6): signed events into the inbox, and the inbox's health for operators.

Receipt is the hot path: the raw body goes to the use case untouched (the signature is
over those bytes), nothing is parsed into models here, and the answer is a constant."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, MediaType, Request, get, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.response.base import ASGIResponse

from application.errors import SignatureError
from application.webhooks.receive import MalformedEventError
from entrypoints.http.edge.auth import requires
from entrypoints.http.edge.errors import ApiError, invalid_request
from entrypoints.http.payments.resources import ErrorEnvelope
from entrypoints.http.platform.docs import documented

GATEWAYS = frozenset({"stripe", "fake"})
MAX_EVENT_BYTES = 1024 * 1024
_STORED = b'{"received":true,"duplicate":false}'
_DUPLICATE = b'{"received":true,"duplicate":true}'


class WebhookReceipt(msgspec.Struct):
    received: bool
    duplicate: bool


class InboxHealthResource(msgspec.Struct):
    object: str
    counts: dict[str, int]
    lag_seconds: float | None
    dead: int


class WebhooksController(Controller):
    path = "/api/v1/webhooks"
    tags = ["webhooks"]

    @post(
        "/{gateway:str}",
        status_code=200,
        summary="Receive a gateway event (Stripe, or the fake gateway)",
        description=(
            "Verifies `Stripe-Signature` over the raw body, stores the event once and "
            "answers at once; a consumer applies it later. No bearer token: the "
            "signature is the authentication. `gateway` is `stripe`, or `fake` while the "
            "fake gateway is the configured one (404 otherwise)."
        ),
        request_max_body_size=MAX_EVENT_BYTES,
        responses={
            200: ResponseSpec(WebhookReceipt, description="Stored, or a duplicate delivery."),
            400: ResponseSpec(
                ErrorEnvelope,
                description="`signature_invalid` or `event_invalid`; nothing was stored.",
            ),
            404: ResponseSpec(
                ErrorEnvelope, description="No such gateway, or not the configured one."
            ),
        },
        security=[],
    )
    async def receive(self, request: Request[Any, Any, Any]) -> ASGIResponse:
        gateway = request.path_params["gateway"]
        state = request.app.state
        if gateway not in receiving(state.container.settings().gateway):
            raise ApiError(404, "not_found", "unknown_gateway", f"No webhooks from {gateway!r}.")
        payload = await request.body()
        try:
            stored = await state.container.receive_webhook().execute(
                gateway, payload, request.headers.get("stripe-signature")
            )
        except SignatureError as exc:
            raise invalid_request("signature_invalid", str(exc)) from None
        except MalformedEventError as exc:
            raise invalid_request("event_invalid", str(exc)) from None
        if stored and (wakeup := getattr(state, "inbox_wakeup", None)) is not None:
            wakeup.ring()
        # Already the ASGI answer: a Response would be converted to one on every request.
        return ASGIResponse(body=_STORED if stored else _DUPLICATE, media_type=MediaType.JSON)

    @get(
        "/health",
        summary="The inbox: events per status, lag, dead events (platform_admin)",
        description=(
            "`lag_seconds` is the age of the oldest event not yet applied (pending, "
            "failing or leased), null when none waits. The inbox is shared by every "
            "tenant, so this needs the platform_admin role."
        ),
        guards=[requires("platform_admin")],
        security=[{"BearerToken": []}],
        responses=documented(401, 403),
        cache=False,
    )
    async def health(self, request: Request[Any, Any, Any]) -> InboxHealthResource:
        health = await request.app.state.container.inbox_health().execute()
        return InboxHealthResource(
            "webhook_inbox_health", health.counts, health.lag_seconds, health.dead
        )


def receiving(configured_gateway: str) -> frozenset[str]:
    """The gateways whose events are received: Stripe's always, the fake gateway's only
    while it is the configured one, since its events would otherwise be a way to forge
    news about real payments (SPEC §6)."""
    return GATEWAYS if configured_gateway == "fake" else GATEWAYS - {"fake"}
