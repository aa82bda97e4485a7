"""The fake gateway's pages (SPEC §13): 3-D Secure and the billing portal, only while the
fake gateway is the configured one."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient

from adapters.gateways.fake import FakePaymentGateway
from application.ports.gateway import IntentRequest
from domain.capture_method import CaptureMethod
from domain.money import Money
from domain.statuses import PaymentStatus
from entrypoints.container import build_container
from entrypoints.http.app import create_app
from entrypoints.settings import Settings

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


async def answer(client: AsyncTestClient[Any], url: str, outcome: str) -> Any:
    """The page's form, posted as a browser posts it."""
    return await client.post(url, content=f"outcome={outcome}".encode(), headers=FORM)


THREE_D_SECURE = IntentRequest(
    amount=Money(2500, "EUR"),
    capture_method=CaptureMethod.AUTOMATIC,
    confirm=True,
    payment_method="pm_card_threeDSecureRequired",
)


async def test_failing_3ds_on_the_page_fails_the_intent_and_says_so() -> None:
    container = build_container(Settings(env="test", database_url="memory://"))
    gateway = container.gateway()
    assert isinstance(gateway, FakePaymentGateway)
    intent = await gateway.create_intent(THREE_D_SECURE, "k_3ds")
    assert intent.next_action is not None
    url = intent.next_action["redirect_to_url"]["url"]
    async with AsyncTestClient(create_app(container)) as client:
        page = await client.get(url)
        assert page.status_code == 200
        assert "Kassa fake gateway" in page.text and "25.00 EUR" in page.text
        refused = await answer(client, url, "maybe")
        assert refused.status_code == 400
        failed = await answer(client, url, "fail")
        assert failed.status_code == 200 and "Authentication failed" in failed.text
        again = await answer(client, url, "complete")
        assert again.status_code == 400  # nothing to authenticate any more
    after = await gateway.retrieve_intent(intent.gateway_payment_id)
    assert (after.status, after.failure_code) == (PaymentStatus.FAILED, "authentication_required")
    assert [e["type"] for e in gateway.log.events][-2:] == [
        "charge.failed",
        "payment_intent.payment_failed",
    ]


async def test_the_billing_page_lists_the_customers_cards() -> None:
    container = build_container(Settings(env="test", database_url="memory://"))
    gateway = container.gateway()
    assert isinstance(gateway, FakePaymentGateway)
    customer = await gateway.create_customer("ada@example.com", "Ada", "k_cus")
    await gateway.attach_payment_method(customer, "pm_card_mastercard", "k_pm")
    url = await gateway.create_portal_session(customer, "http://shop.test/back")
    async with AsyncTestClient(create_app(container)) as client:
        page = await client.get(url)
    assert page.status_code == 200
    assert "mastercard" in page.text and "4444" in page.text and "Ada" in page.text
    assert "http://shop.test/back" in page.text


async def test_there_are_no_fake_gateway_pages_with_stripe() -> None:
    settings = Settings(env="test", database_url="memory://", gateway="stripe",
                        stripe_secret_key="sk_test_x")  # fmt: skip
    async with AsyncTestClient(create_app(build_container(settings))) as client:
        assert (await client.get("/fake-gateway/3ds/pi_1")).status_code == 404
        assert (await client.get("/fake-gateway/billing/cus_1")).status_code == 404
