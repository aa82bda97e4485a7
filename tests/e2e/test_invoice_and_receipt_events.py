"""`invoice.paid` and `receipt.issued` (§14): raised with the change that pays the invoice
or issues the receipt, once whichever path records it, carrying the resource exactly as
the API answers for it."""

from __future__ import annotations

from typing import Any

import pytest

from entrypoints.container import Container
from tests.e2e.conftest import Api, payment_body
from tests.e2e.portal_fixtures import (  # noqa: F401
    Portal,
    deliver_webhooks,
    portal_container,
    portal_fixture,
)

pytestmark = pytest.mark.parametrize("store_kind", ["memory", "sqlite"])


async def events_of(api: Api, event_type: str) -> list[dict[str, Any]]:
    answer = await api.get("/events", type=event_type)
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()["data"]
    return found


async def test_only_the_payment_that_settles_the_invoice_raises_invoice_paid(
    portal: Portal,
) -> None:
    customer = await portal.customer()
    invoice_id = await portal.invoice(customer, 12_000)
    token = (await portal.issue(customer, invoice_id))["token"]

    first = await portal.pay(token, 5_000)
    assert first.json()["status"] == "succeeded", first.text
    assert await events_of(portal.api, "invoice.paid") == []

    second = await portal.pay(token)
    assert second.json()["status"] == "succeeded", second.text
    paid = await events_of(portal.api, "invoice.paid")
    assert len(paid) == 1
    assert paid[0]["data"]["object"] == await portal.invoice_of(invoice_id)
    assert paid[0]["data"]["object"]["status"] == "paid"
    assert paid[0]["tenant_id"] == "ten_acme"
    one = await portal.api.get(f"/events/{paid[0]['id']}")
    assert one.json() == paid[0]


@pytest.mark.parametrize("first", ["confirm", "webhook"])
async def test_confirm_and_webhook_raise_invoice_paid_and_receipt_issued_once(
    portal: Portal, container: Container, first: str
) -> None:
    invoice_id, token, intent = await portal.confirmed_at_gateway(12_000)

    if first == "webhook":
        await deliver_webhooks(container)
    await portal.act(token, "confirm", {"payment_intent_id": intent})
    await deliver_webhooks(container)

    assert len(await events_of(portal.api, "invoice.paid")) == 1
    issued = await events_of(portal.api, "receipt.issued")
    assert len(issued) == 1
    payment_id = issued[0]["data"]["object"]["payment_id"]
    receipt = (await portal.api.get(f"/payments/{payment_id}/receipt")).json()
    assert issued[0]["data"]["object"] == receipt
    assert receipt["invoice_number"] == (await portal.invoice_of(invoice_id))["number"]


async def test_a_charge_issues_its_receipt_as_the_api_renders_it(api: Api) -> None:
    paid = (await api.post("/payments/charge", payment_body("ord_r1", 113_000), key="k1")).json()
    issued = await events_of(api, "receipt.issued")
    assert len(issued) == 1
    receipt = (await api.get(f"/payments/{paid['id']}/receipt")).json()
    assert issued[0]["data"]["object"] == receipt
    assert receipt["object"] == "receipt" and receipt["total"]["amount"] == 113_000
    succeeded = await events_of(api, "payment.succeeded")
    assert issued[0]["created"] == succeeded[0]["created"]


async def test_an_authorization_issues_its_receipt_at_capture_not_before(api: Api) -> None:
    held = (await api.post("/payments/authorize", payment_body("ord_r2", 5_000), key="a1")).json()
    assert await events_of(api, "receipt.issued") == []
    captured = await api.post(f"/payments/{held['id']}/capture", {}, key="c1")
    assert captured.status_code == 200, captured.text
    issued = await events_of(api, "receipt.issued")
    assert [e["data"]["object"]["payment_id"] for e in issued] == [held["id"]]


async def test_an_endpoint_subscribes_to_invoice_and_receipt_events(api: Api) -> None:
    made = await api.post(
        "/webhook-endpoints",
        {"url": "https://example.com/h", "enabled_events": ["invoice.paid", "receipt.issued"]},
        role="merchant_admin",
    )
    assert made.status_code == 201, made.text
    assert made.json()["enabled_events"] == ["invoice.paid", "receipt.issued"]
