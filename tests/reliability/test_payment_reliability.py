"""Concurrency against PostgreSQL over the HTTP API: one key fired 50 times at once makes
one payment and one gateway charge; two captures at once capture once, and a 409 only
ever comes before the gateway was asked."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from adapters.gateways.fake import FakePaymentGateway
from adapters.security.jwt_tokens import JwtAccessTokens
from application.ports.repositories import PageRequest, PaymentFilter
from application.tenants.create_tenant import CreateTenantCommand
from entrypoints.container import Container, build_container
from entrypoints.http.app import create_app
from entrypoints.settings import Settings
from tests.support.asgi import asgi_transport
from tests.support.databases import postgres_database

pytestmark = pytest.mark.postgres

TENANT = "ten_concurrent"


@pytest.fixture
async def kassa() -> AsyncIterator[Container]:
    async with postgres_database() as url:
        container = build_container(
            Settings(
                env="test", database_url=url, consumer_in_process=False, fake_gateway_state="memory"
            )
        )
        await container.create_tenant().execute(CreateTenantCommand("Busy", tenant_id=TENANT))
        yield container
        await container.engine().dispose()


@pytest.fixture
async def client(kassa: Container) -> AsyncIterator[httpx.AsyncClient]:
    """Requests served concurrently by one app, as one uvicorn worker would."""
    token = JwtAccessTokens(kassa.settings().jwt_secret).issue(
        subject="usr_test", tenant_id=TENANT, roles=["merchant"],
        now=datetime.now(UTC), ttl=timedelta(minutes=10),
    )  # fmt: skip
    transport = asgi_transport(create_app(kassa))
    async with httpx.AsyncClient(
        transport=transport,
        base_url="http://kassa.test/api/v1",
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    ) as http:
        yield http


async def stored_payments(kassa: Container) -> int:
    page = await kassa.list_payments().execute(TENANT, PaymentFilter(), PageRequest(limit=100))
    return len(page.data)


def gateway(kassa: Container) -> FakePaymentGateway:
    fake = kassa.gateway()
    assert isinstance(fake, FakePaymentGateway)
    return fake


async def test_fifty_concurrent_charges_with_one_key_make_one_payment_and_one_charge(
    kassa: Container, client: httpx.AsyncClient
) -> None:
    body = {"order_id": "ord_50", "amount": 2_500, "currency": "usd",
            "payment_method": "pm_card_visa"}  # fmt: skip
    answers = await asyncio.gather(
        *(
            client.post("/payments/charge", json=body, headers={"Idempotency-Key": "key-50"})
            for _ in range(50)
        )
    )

    statuses = Counter(a.status_code for a in answers)
    assert set(statuses) <= {201, 409}, statuses
    created = [a for a in answers if a.status_code == 201]
    assert created, statuses
    assert len({a.json()["id"] for a in created}) == 1
    in_use = [a.json()["error"]["code"] for a in answers if a.status_code == 409]
    assert set(in_use) <= {"idempotency_key_in_use"}
    assert await stored_payments(kassa) == 1
    assert len(gateway(kassa).intents) == 1
    creations = [key for op, key in gateway(kassa).calls if op == "create_intent"]
    assert len(set(creations)) == 1

    again = await client.post("/payments/charge", json=body, headers={"Idempotency-Key": "key-50"})
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == created[0].json()["id"]


async def test_two_concurrent_captures_capture_once_and_both_see_it_captured(
    kassa: Container, client: httpx.AsyncClient
) -> None:
    authorized = await client.post("/payments/authorize", json={
        "order_id": "ord_cap", "amount": 10_000, "currency": "usd",
        "payment_method": "pm_card_visa"})  # fmt: skip
    assert authorized.status_code == 201, authorized.text
    payment_id = authorized.json()["id"]

    answers = await asyncio.gather(
        *(client.post(f"/payments/{payment_id}/capture", json={"amount": 7_000})
          for _ in range(2))
    )  # fmt: skip

    # Both reached the gateway (under one key), or the second came after the first and
    # was refused before it reached the gateway; never a 409 after the gateway acted.
    statuses = sorted(a.status_code for a in answers)
    assert statuses in ([200, 200], [200, 409]), [a.text for a in answers]
    asked = [key for op, key in gateway(kassa).calls if op == "capture_intent"]
    assert len(asked) == statuses.count(200)
    assert {a.json()["amount_captured"] for a in answers if a.status_code == 200} == {7_000}
    stored = (await client.get(f"/payments/{payment_id}")).json()
    assert (stored["status"], stored["amount_captured"]) == ("succeeded", 7_000)
    assert stored["platform_fee"] + stored["gateway_fee"] + stored["net_amount"] == 7_000
    intent = gateway(kassa).intents[stored["gateway_payment_id"]]
    assert intent.amount_received == 7_000
    captures = {key for op, key in gateway(kassa).calls if op == "capture_intent"}
    assert len(captures) == 1  # both asked under one derived key: the gateway took it once
