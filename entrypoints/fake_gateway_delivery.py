"""The fake gateway's webhook delivery loop, wired: inside `kassa serve` (unless
KASSA_FAKE_WEBHOOK_DELIVERY=false) and as `kassa gateway deliver`, it POSTs the fake's
signed events to Kassa's own `/api/v1/webhooks/fake`, as `stripe listen` would."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

import httpx

from adapters.gateways.fake_delivery import FakeWebhookDelivery, Send

if TYPE_CHECKING:
    from litestar import Litestar

    from entrypoints.container import Container

log = logging.getLogger("kassa.fake_gateway")

WEBHOOK_PATH = "/api/v1/webhooks/fake"
SEND_TIMEOUT_S = 10.0
STOP_GRACE_S = 5.0


def http_sender(client: httpx.AsyncClient, base_url: str) -> Send:
    async def send(payload: bytes, signature: str) -> int:
        response = await client.post(
            base_url.rstrip("/") + WEBHOOK_PATH,
            content=payload,
            headers={"Content-Type": "application/json", "Stripe-Signature": signature},
        )
        return response.status_code

    return send


def fake_webhook_delivery(container: Container, send: Send) -> FakeWebhookDelivery:
    return FakeWebhookDelivery(
        container.fake_gateway_state(),
        send,
        container.settings().fake_webhook_secret,
        container.clock(),
    )


def delivers_here(container: Container) -> bool:
    """True when this server should deliver: the fake gateway is configured, delivery is
    on, and `kassa serve` said where it listens (tests building an app do not)."""
    settings = container.settings()
    target = container.fake_webhook_target()
    return settings.gateway == "fake" and settings.fake_webhook_delivery and bool(target)


@asynccontextmanager
async def fake_webhook_delivery_lifespan(app: Litestar) -> AsyncIterator[None]:
    container: Container = app.state.container
    if not delivers_here(container):
        yield
        return
    stop = asyncio.Event()
    async with httpx.AsyncClient(timeout=SEND_TIMEOUT_S) as client:
        delivery = fake_webhook_delivery(
            container, http_sender(client, container.fake_webhook_target())
        )
        task = asyncio.create_task(delivery.run(stop), name="kassa-fake-webhook-delivery")
        try:
            yield
        finally:
            stop.set()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(task, STOP_GRACE_S)
