"""A key whose first request is still running answers 409 `idempotency_key_in_use` (§5)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from dependency_injector import providers

from tests.e2e.conftest import Api, payment_body


class StallingGateway:
    """The container's gateway, holding `create_intent` until released."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.entered = asyncio.Event()
        self.release = asyncio.Event()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def create_intent(self, request: Any, idempotency_key: str) -> Any:
        self.entered.set()
        await self.release.wait()
        return await self._inner.create_intent(request, idempotency_key)


async def test_a_key_whose_request_is_still_running_is_409_in_use(api: Api) -> None:
    # The test client serves one request at a time; two in flight need a plain ASGI client.
    transport = httpx.ASGITransport(app=api.client.app)
    gateway = StallingGateway(api.container.gateway())
    headers = api.headers(key="key-slow")
    body = payment_body("ord_slow")
    with api.container.gateway.override(providers.Object(gateway)):
        async with httpx.AsyncClient(transport=transport, base_url="http://kassa") as client:
            first = asyncio.create_task(
                client.post("/api/v1/payments/charge", json=body, headers=headers)
            )
            await asyncio.wait_for(gateway.entered.wait(), timeout=5)
            second = await client.post("/api/v1/payments/charge", json=body, headers=headers)
            gateway.release.set()
            assert (await first).status_code == 201

    assert second.status_code == 409, second.text
    assert (second.json()["error"]["type"], second.json()["error"]["code"]) == (
        "conflict",
        "idempotency_key_in_use",
    )
    assert await api.stored_payments() == 1
