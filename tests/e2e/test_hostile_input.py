"""No input is a 500 (§9): bodies nested past the stack or not UTF-8, on every API
(merchant, platform, portal, webhooks), forged `Stripe-Signature` headers of any shape and
a repeated `Idempotency-Key` are 400 in the error envelope, and nothing is stored."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from adapters.gateways.stripe_signature import sign
from entrypoints.container import Container
from tests.e2e.conftest import OTHER_TENANT, TENANT, Api, close_container, kassa_container
from tests.e2e.portal_fixtures import PORTAL, TEST_BCRYPT_ROUNDS, Portal

STRIPE_SECRET = "whsec_hostile_input_e2e"
PAYMENT = (
    b'"order_id": "ord_1", "amount": 1000, "currency": "usd", "payment_method": "pm_card_visa"'
)

HOSTILE_BODIES = {
    "1000 nested arrays": b"[" * 1_000 + b"]" * 1_000,
    "1000 nested objects": b'{"a":' * 1_000 + b"1" + b"}" * 1_000,
    "deep metadata": b"{" + PAYMENT + b', "metadata": ' + b'{"k":' * 1_000 + b'"v"' + b"}" * 1_001,
    "invalid UTF-8 byte": b'{"order_id": "ord_\xff", "amount": 1000, "currency": "usd"}',
    "invalid UTF-8 key": b'{"\xff": 1}',
    "UTF-16 surrogate": b"{" + PAYMENT + b', "description": "\xed\xa0\x80"}',
}


@pytest.fixture
async def container(tmp_path: Path) -> AsyncIterator[Container]:
    """Two tenants, bcrypt at test speed for portal links, and a Stripe webhook secret."""
    kassa = await kassa_container(
        "memory",
        tmp_path,
        {TENANT: "Acme", OTHER_TENANT: "Other"},
        bcrypt_rounds=TEST_BCRYPT_ROUNDS,
        stripe_webhook_secret=STRIPE_SECRET,
    )
    yield kassa
    await close_container(kassa)


def assert_400(response: httpx.Response, code: str) -> None:
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert (error["type"], error["code"]) == ("invalid_request_error", code)
    assert error["message"] and error["request_id"]


MERCHANT_ROUTES = [
    ("/payments/charge", "merchant"),
    ("/payments/intent", "merchant"),
    ("/payments/pay_missing/capture", "merchant_admin"),
    ("/customers", "merchant_admin"),
    ("/portal-tokens", "merchant_admin"),
    ("/tenants", "platform_admin"),
]


@pytest.mark.parametrize("body", HOSTILE_BODIES.values(), ids=HOSTILE_BODIES.keys())
@pytest.mark.parametrize(("path", "role"), MERCHANT_ROUTES, ids=[p for p, _ in MERCHANT_ROUTES])
@pytest.mark.parametrize("key", [None, "key-hostile"], ids=["no-key", "with-key"])
async def test_a_hostile_body_to_the_merchant_and_platform_apis_is_400(
    api: Api, body: bytes, path: str, role: str, key: str | None
) -> None:
    response = await api.client.post(
        f"/api/v1{path}",
        content=body,
        headers={**api.headers(role, key=key), "Content-Type": "application/json"},
    )

    assert_400(response, "invalid_json")
    assert await api.stored_payments() == 0
    if key is not None:
        assert not await api.key_saved(key)


@pytest.mark.parametrize("body", HOSTILE_BODIES.values(), ids=HOSTILE_BODIES.keys())
@pytest.mark.parametrize("action", ["create-intent", "confirm", "methods", "portal-session"])
async def test_a_hostile_body_to_the_portal_is_400(api: Api, body: bytes, action: str) -> None:
    token = await Portal(api).link(12_000)

    response = await api.client.post(
        f"{PORTAL}/{token}/{action}", content=body, headers={"Content-Type": "application/json"}
    )

    assert_400(response, "invalid_json")
    assert await api.stored_payments() == 0


ENVELOPE = b'"id": "evt_1", "object": "event", "type": "payment_intent.succeeded"'
HOSTILE_EVENTS = {
    **HOSTILE_BODIES,
    # The envelope reads well; what the consumer would read later must be checked too.
    "deep data": b"{" + ENVELOPE + b', "data": ' + b'{"a":' * 1_000 + b"1" + b"}" * 1_001,
    "data not UTF-8": b"{" + ENVELOPE + b', "data": {"object": {"id": "pi_\xff"}}}',
}


@pytest.mark.parametrize("body", HOSTILE_EVENTS.values(), ids=HOSTILE_EVENTS.keys())
async def test_a_signed_hostile_event_is_400_and_not_stored(api: Api, body: bytes) -> None:
    signature = sign(body, STRIPE_SECRET, int(time.time()))

    response = await api.client.post(
        "/api/v1/webhooks/stripe", content=body, headers={"Stripe-Signature": signature}
    )

    assert_400(response, "event_invalid")
    assert await api.stored_events() == 0


FULL_WIDTH = {ord("0") + i: 0xFF10 + i for i in range(10)}


def forged_headers() -> dict[str, bytes]:
    now = int(time.time())
    body = b'{"id": "evt_1", "object": "event", "type": "customer.created"}'
    v1 = sign(body, STRIPE_SECRET, now).split("v1=")[1]
    return {
        "t of 5000 digits": b"t=" + b"9" * 5_000 + b",v1=" + v1.encode(),
        "t of 900 digits": b"t=" + b"9" * 900 + b",v1=" + v1.encode(),
        "t with a latin-1 byte": f"t={now}\xe9,v1={v1}".encode("latin-1"),
        "t with a UTF-8 character": f"t={now}é,v1={v1}".encode(),
        "t in full-width digits": f"t={str(now).translate(FULL_WIDTH)},v1={v1}".encode(),
        "v1 not ASCII": f"t={now},v1={'é' * 64}".encode(),
        "v1 not hex": f"t={now},v1={'z' * 64}".encode(),
        "two timestamps": f"t={now},t={now},v1={v1}".encode(),
        "no v1": f"t={now}".encode(),
    }


@pytest.mark.parametrize("name", forged_headers().keys())
async def test_a_malformed_signature_header_is_400_signature_invalid(api: Api, name: str) -> None:
    body = b'{"id": "evt_1", "object": "event", "type": "customer.created"}'

    response = await api.client.post(
        "/api/v1/webhooks/stripe",
        content=body,
        headers=[(b"Stripe-Signature", forged_headers()[name])],
    )

    assert_400(response, "signature_invalid")
    assert await api.stored_events() == 0


@pytest.mark.parametrize("keys", [["key-a", "key-b"], ["key-a", "key-a"]], ids=["two", "same"])
async def test_two_idempotency_key_headers_are_400_and_nothing_happens(
    api: Api, keys: list[str]
) -> None:
    """Sent as two header lines (the test client would fold them into one "a, b" value, a
    single key by HTTP's rules), straight to the ASGI app."""
    headers = [("Authorization", f"Bearer {api.token()}"), ("Content-Type", "application/json")]
    transport = httpx.ASGITransport(app=api.client.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://kassa.test") as client:
        response = await client.post(
            "/api/v1/payments/charge",
            content=b"{" + PAYMENT + b"}",
            headers=headers + [("Idempotency-Key", key) for key in keys],
        )

    assert_400(response, "idempotency_key_invalid")
    assert response.json()["error"]["param"] == "Idempotency-Key"
    assert await api.stored_payments() == 0
    assert not await api.key_saved("key-a")
    assert api.gateway_calls("create_intent") == 0
