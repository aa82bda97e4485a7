"""`kassa serve`'s own consumer (KASSA_CONSUMER_IN_PROCESS, on by default) applies what the
webhook endpoint receives, woken at receipt rather than by a later poll.

Memory store only: Litestar 2's AsyncTestClient runs the app's lifespan, where the
consumer starts, on a loop of its own (litestar#1920), which a SQLite pool cannot share
with the requests' loop. The reliability suite runs it for real under uvicorn."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from adapters.gateways.fake_console import FakeGatewayConsole
from application.payments.create_payment import CreatePaymentCommand
from application.tenants.create_tenant import CreateTenantCommand
from domain.capture_method import CaptureMethod
from domain.money import Money
from entrypoints.container import Container, build_container
from entrypoints.settings import Settings
from tests.e2e.conftest import TENANT, Api


@pytest.fixture
async def container() -> AsyncIterator[Container]:
    container = build_container(Settings(env="test", database_url="memory://"))
    assert container.settings().consumer_in_process, "the default is an in-process consumer"
    await container.create_tenant().execute(CreateTenantCommand(name="Acme", tenant_id=TENANT))
    yield container


async def test_the_server_applies_what_it_receives_by_itself(api: Api) -> None:
    payment = await api.container.create_payment().execute(
        CreatePaymentCommand(
            tenant_id=TENANT, order_id="ord_wh", amount=10_000, currency="usd",
            capture_method=CaptureMethod.AUTOMATIC, confirm=True, payment_method="pm_card_visa",
        )
    )  # fmt: skip
    console = FakeGatewayConsole(api.container.gateway())
    console.refund_from_dashboard(payment.gateway_payment_id or "", Money(2_500, "USD"))
    secret = api.settings.fake_webhook_secret
    for delivery in console.deliveries(secret, datetime.now(UTC)):
        response = await api.client.post(
            "/api/v1/webhooks/fake",
            content=delivery.payload,
            headers={"Stripe-Signature": delivery.signature},
        )
        assert response.status_code == 200, response.text
    seen = payment
    for _ in range(50):  # the idle consumer polls once a second: this must be the ring
        seen = await api.container.get_payment().execute(TENANT, payment.id)
        if seen.amount_refunded == 2_500:
            break
        await asyncio.sleep(0.01)
    assert seen.amount_refunded == 2_500
    assert [r.amount.amount for r in seen.refunds] == [2_500]
