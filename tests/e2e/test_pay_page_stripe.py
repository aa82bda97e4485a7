"""The payment page with the Stripe gateway configured. Stripe.js cannot load here, so
the page is checked for what it hands Stripe.js (the publishable key, the intent's client
secret, the return address) and for a CSP that lets Stripe's origins in; then the card is
confirmed at the gateway as Stripe.js would, the browser comes back to
`/pay/{token}/return` with Stripe's query parameters, and Kassa asks the gateway how it
went — never the browser. The fake gateway stands in for Stripe's API (localstripe takes
no intent `description`, which every invoice payment carries)."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from dependency_injector import providers

from adapters.gateways.fake import FakePaymentGateway
from tests.e2e.conftest import TENANT, Api, close_container, kassa_container
from tests.e2e.portal_fixtures import Portal
from tests.e2e.test_pay_page import assert_page_headers, csrf_of

PUBLISHABLE_KEY = "pk_test_kassa_page"


@pytest.fixture
async def stand_in(tmp_path: Path) -> AsyncIterator[FakePaymentGateway]:
    fake = await kassa_container("memory", tmp_path, {})
    gateway = fake.gateway()
    assert isinstance(gateway, FakePaymentGateway)
    yield gateway
    await close_container(fake)


@pytest.fixture
async def portal(stand_in: FakePaymentGateway, tmp_path: Path) -> AsyncIterator[Portal]:
    kassa = await kassa_container(
        "memory",
        tmp_path,
        {TENANT: "Acme"},
        gateway="stripe",
        stripe_secret_key="sk_test_kassa",
        stripe_publishable_key=PUBLISHABLE_KEY,
        bcrypt_rounds=4,
    )
    kassa.gateway.override(providers.Object(stand_in))
    async with Api.serving(kassa) as api:
        yield Portal(api)
        kassa.gateway.reset_override()  # shutting down closes the Stripe client


async def stripe_page(portal: Portal, amount: str) -> tuple[str, str, dict[str, Any]]:
    """A new link's invoice of $50.00, paid from the page with a new card: the link,
    the invoice id and what the page hands Stripe.js."""
    customer = await portal.customer()
    invoice = await portal.invoice(customer, 5_000)
    token = (await portal.issue(customer, invoice))["token"]
    page = await portal.api.client.get(f"/pay/{token}")
    assert_page_headers(page, stripe=True)
    assert "Test mode" not in page.text and "a form by Stripe" in page.text
    paying = await portal.api.client.post(
        f"/pay/{token}/pay", data={"csrf": csrf_of(page.text), "amount": amount}
    )
    assert paying.status_code == 200, paying.text
    assert_page_headers(paying, stripe=True)
    assert '<script src="https://js.stripe.com/v3/"></script>' in paying.text
    boot = re.search(r'<script type="application/json" id="kassa-stripe">(.*?)</script>',
                     paying.text)  # fmt: skip
    assert boot
    return token, invoice, json.loads(boot.group(1))


async def test_the_page_bootstraps_stripes_payment_element(portal: Portal) -> None:
    token, _, data = await stripe_page(portal, "20")
    assert data["publishable_key"] == PUBLISHABLE_KEY and data["mode"] == "payment"
    assert data["client_secret"].startswith(data["payment_intent_id"] + "_secret")
    assert data["return_url"].endswith(f"/pay/{token}/return")


async def test_the_card_confirmed_at_stripe_is_recorded_when_the_customer_returns(
    portal: Portal, stand_in: FakePaymentGateway
) -> None:
    token, invoice, data = await stripe_page(portal, "20.00")
    intent = data["payment_intent_id"]
    await stand_in.confirm_intent(intent, "pm_card_visa", "stripe-js-confirm")  # Stripe.js
    back = await portal.api.client.get(
        f"/pay/{token}/return",
        params={
            "payment_intent": intent,
            "payment_intent_client_secret": data["client_secret"],
            "redirect_status": "succeeded",
        },
    )
    assert back.status_code == 200, back.text
    assert "Payment received" in back.text and "$20.00" in back.text
    state = await portal.invoice_of(invoice)
    assert (state["amount_paid"], state["status"]) == (2_000, "open")


async def test_a_return_that_claims_success_is_not_believed(portal: Portal) -> None:
    """The browser says `redirect_status=succeeded`; the gateway says the intent still
    waits for a card: nothing is recorded."""
    token, invoice, data = await stripe_page(portal, "")
    back = await portal.api.client.get(
        f"/pay/{token}/return",
        params={"payment_intent": data["payment_intent_id"], "redirect_status": "succeeded"},
    )
    assert "Payment received" not in back.text
    assert (await portal.invoice_of(invoice))["amount_paid"] == 0
