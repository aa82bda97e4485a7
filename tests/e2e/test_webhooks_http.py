"""Webhook receipt over HTTP (§6): every forgery refused with 400 and nothing stored, a
signed event stored once per gateway and answered at once, no fake gateway's endpoint
unless it is the configured gateway, and the inbox's health for operators."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from dependency_injector import providers

from adapters.gateways.stripe_signature import sign
from adapters.system.clock import FixedClock
from application.errors import SignatureError
from domain.webhook_event import WebhookStatus
from entrypoints.container import Container
from tests.e2e.conftest import TENANT, Api, close_container, kassa_container

FAKE_SECRET = "whsec_fake_kassa"
STRIPE_SECRET = "whsec_stripe_e2e_secret"
TOLERANCE = 300

pytestmark = pytest.mark.parametrize("store_kind", ["memory", "sqlite"])


@pytest.fixture
async def container(store_kind: str, tmp_path: Path) -> AsyncIterator[Container]:
    """Each test sees the inbox exactly as receipt left it."""
    kassa = await kassa_container(
        store_kind, tmp_path, {TENANT: "Acme"}, stripe_webhook_secret=STRIPE_SECRET
    )
    yield kassa
    await close_container(kassa)


def event_body(event_id: str = "evt_e2e_1", event_type: str = "customer.created") -> bytes:
    event = {
        "id": event_id,
        "object": "event",
        "type": event_type,
        "created": int(time.time()),
        "data": {"object": {"id": "cus_1", "object": "customer"}},
    }
    return json.dumps(event).encode()


def digest(body: bytes, secret: str, timestamp: int) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def now_ts() -> int:
    return int(time.time())


async def deliver(
    api: Api, body: bytes, signature: str | None, gateway: str = "fake"
) -> httpx.Response:
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["Stripe-Signature"] = signature
    return await api.client.post(f"/api/v1/webhooks/{gateway}", content=body, headers=headers)


def refused(response: httpx.Response, code: str = "signature_invalid") -> None:
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert (error["type"], error["code"]) == ("invalid_request_error", code), error
    assert error["request_id"] == response.headers["X-Request-ID"]


BODY = event_body()
# Each forgery: (name, the body sent, the header sent) — built when the test runs.
FORGERIES: dict[str, Callable[[], tuple[bytes, str | None]]] = {
    "missing header": lambda: (BODY, None),
    "empty header": lambda: (BODY, ""),
    "no timestamp": lambda: (BODY, f"v1={digest(BODY, FAKE_SECRET, now_ts())}"),
    "no signature": lambda: (BODY, f"t={now_ts()}"),
    "timestamp not a number": lambda: (BODY, f"t=soon,v1={digest(BODY, FAKE_SECRET, 0)}"),
    "garbage": lambda: (BODY, "not a signature at all"),
    "wrong secret": lambda: (BODY, sign(BODY, "whsec_someone_else", now_ts())),
    "another gateway's secret": lambda: (BODY, sign(BODY, STRIPE_SECRET, now_ts())),
    "body changed after signing": lambda: (
        BODY.replace(b"cus_1", b"cus_2"),
        sign(BODY, FAKE_SECRET, now_ts()),
    ),
    "body re-serialised": lambda: (
        json.dumps(json.loads(BODY), indent=2).encode(),
        sign(BODY, FAKE_SECRET, now_ts()),
    ),
    "one byte more": lambda: (BODY + b"\n", sign(BODY, FAKE_SECRET, now_ts())),
    "stale timestamp": lambda: (BODY, sign(BODY, FAKE_SECRET, now_ts() - TOLERANCE - 5)),
    "future timestamp": lambda: (BODY, sign(BODY, FAKE_SECRET, now_ts() + TOLERANCE + 5)),
    "signature for another timestamp": lambda: (
        BODY,
        f"t={now_ts()},v1={digest(BODY, FAKE_SECRET, now_ts() - 60)}",
    ),
    "only a v0 signature": lambda: (
        BODY,
        f"t={now_ts()},v0={digest(BODY, FAKE_SECRET, now_ts())}",
    ),
    "truncated signature": lambda: (
        BODY,
        f"t={now_ts()},v1={digest(BODY, FAKE_SECRET, now_ts())[:32]}",
    ),
}


@pytest.mark.parametrize("forgery", sorted(FORGERIES))
async def test_a_forged_delivery_is_refused_and_nothing_is_stored(api: Api, forgery: str) -> None:
    body, signature = FORGERIES[forgery]()
    refused(await deliver(api, body, signature))
    assert await api.stored_events() == 0


@pytest.mark.parametrize(
    "body",
    [
        b'{"hello": "world"}',
        b'{"id": "ch_1", "object": "charge", "type": "x"}',
        b"not json at all",
        b"",
        b'{"id": "", "object": "event", "type": "x"}',
    ],
    ids=["not an event", "another object", "not json", "empty", "empty id"],
)
async def test_a_signed_body_that_is_not_an_event_is_refused(api: Api, body: bytes) -> None:
    refused(await deliver(api, body, sign(body, FAKE_SECRET, now_ts())), "event_invalid")
    assert await api.stored_events() == 0


async def test_a_signed_event_is_stored_byte_for_byte_and_answered_at_once(api: Api) -> None:
    body = (
        b'{"id": "evt_raw",  "object":"event",\r\n "type": "customer.created", "x": "\xe2\x9c\x93"}'
    )
    response = await deliver(api, body, sign(body, FAKE_SECRET, now_ts()))
    assert response.status_code == 200, response.text
    assert response.json() == {"received": True, "duplicate": False}
    assert response.headers["content-type"].startswith("application/json")
    event = await api.container.get_webhook_event().execute("evt_raw")
    assert event.payload == body
    # A type Kassa does not act on is stored done: `ignored`, never claimed.
    assert (event.gateway, event.type, event.status) == ("fake", "customer.created", "ignored")


async def test_a_duplicate_delivery_is_answered_200_and_stores_nothing_new(api: Api) -> None:
    first = await deliver(api, BODY, sign(BODY, FAKE_SECRET, now_ts()))
    again = await deliver(api, BODY, sign(BODY, FAKE_SECRET, now_ts() - 10))
    assert first.json() == {"received": True, "duplicate": False}
    assert again.status_code == 200
    assert again.json() == {"received": True, "duplicate": True}
    assert await api.stored_events() == 1


async def test_any_of_several_signatures_may_match_as_when_a_secret_is_rolled(api: Api) -> None:
    ts = now_ts()
    header = f"t={ts},v1={digest(BODY, 'whsec_old', ts)},v0=abc,v1={digest(BODY, FAKE_SECRET, ts)}"
    assert (await deliver(api, BODY, header)).status_code == 200


async def test_timestamps_just_inside_the_tolerance_are_accepted(api: Api) -> None:
    early, late = event_body("evt_early"), event_body("evt_late")
    ok_early = await deliver(api, early, sign(early, FAKE_SECRET, now_ts() - TOLERANCE + 10))
    ok_late = await deliver(api, late, sign(late, FAKE_SECRET, now_ts() + TOLERANCE - 10))
    assert (ok_early.status_code, ok_late.status_code) == (200, 200)


async def test_stripe_events_are_checked_against_the_stripe_secret(api: Api) -> None:
    body = event_body("evt_stripe_1", "payment_intent.created")
    accepted = await deliver(api, body, sign(body, STRIPE_SECRET, now_ts()), "stripe")
    assert accepted.status_code == 200, accepted.text
    other = event_body("evt_stripe_2")
    refused(await deliver(api, other, sign(other, FAKE_SECRET, now_ts()), "stripe"))
    assert (await api.container.get_webhook_event().execute("evt_stripe_1")).gateway == "stripe"
    assert await api.stored_events() == 1


async def test_without_a_stripe_secret_stripe_deliveries_are_refused(api: Api) -> None:
    api.container.gateway_webhook_secrets.override(
        providers.Object({"fake": FAKE_SECRET, "stripe": ""})
    )
    refused(await deliver(api, BODY, sign(BODY, "", now_ts()), "stripe"))
    assert await api.stored_events() == 0


async def test_the_same_event_id_from_each_gateway_is_stored_once_per_gateway(
    api: Api,
) -> None:
    """Ids are unique per gateway: the fake gateway's `evt_same` is not Stripe's."""
    body = event_body("evt_same", "payment_intent.created")
    first = {
        gateway: await deliver(api, body, sign(body, secret, now_ts()), gateway)
        for gateway, secret in (("fake", FAKE_SECRET), ("stripe", STRIPE_SECRET))
    }
    again = await deliver(api, body, sign(body, STRIPE_SECRET, now_ts()), "stripe")

    assert [r.json() for r in first.values()] == [{"received": True, "duplicate": False}] * 2
    assert again.json() == {"received": True, "duplicate": True}
    assert await api.stored_events() == 2
    get_event = api.container.get_webhook_event()
    assert (await get_event.execute("evt_same", "stripe")).gateway == "stripe"
    assert (await get_event.execute("evt_same", "fake")).gateway == "fake"


async def test_an_unknown_gateway_is_not_found(api: Api) -> None:
    response = await deliver(api, BODY, sign(BODY, FAKE_SECRET, now_ts()), "paypal")
    assert response.status_code == 404
    assert response.json()["error"]["type"] == "not_found"
    assert await api.stored_events() == 0


async def test_an_oversized_delivery_is_refused(api: Api) -> None:
    body = event_body() + b" " * (1024 * 1024)
    response = await deliver(api, body, sign(body, FAKE_SECRET, now_ts()))
    assert response.status_code == 413
    assert await api.stored_events() == 0


async def test_the_inbox_health_needs_a_platform_admin(api: Api) -> None:
    path = "/api/v1/webhooks/health"
    assert (await api.client.get(path)).status_code == 401
    for role in ("merchant", "merchant_admin"):
        response = await api.client.get(path, headers=api.headers(role))
        assert response.status_code == 403, role
    assert (await api.client.get(path, headers=api.headers("platform_admin"))).status_code == 200


async def test_the_inbox_health_counts_events_and_measures_the_lag(api: Api) -> None:
    clock = FixedClock(datetime.now(UTC).replace(microsecond=0))
    api.container.clock.override(providers.Object(clock))
    ts = int(clock.now().timestamp())

    async def health() -> dict[str, Any]:
        response = await api.client.get(
            "/api/v1/webhooks/health", headers=api.headers("platform_admin")
        )
        assert response.status_code == 200, response.text
        return dict(response.json())

    empty = await health()
    assert empty["counts"] == {s.value: 0 for s in WebhookStatus}
    assert (empty["lag_seconds"], empty["dead"]) == (None, 0)

    informational = event_body("evt_info", "payment_intent.created")
    unknown_payment = _intent_succeeded("evt_orphan", "pi_nobody_knows")
    for body in (informational, unknown_payment, event_body("evt_other")):
        assert (await deliver(api, body, sign(body, FAKE_SECRET, ts))).status_code == 200
    clock.advance(timedelta(seconds=90))
    waiting = await health()
    assert waiting["counts"]["pending"] == 1
    assert waiting["counts"]["processed"] == 1  # the informational one, done on receipt
    assert waiting["counts"]["ignored"] == 1  # a type Kassa does not act on, too
    assert waiting["lag_seconds"] == 90.0

    consumer = api.container.webhook_consumer()
    assert await consumer.run_once() == 1  # only the one that may change a payment
    applied = await health()
    assert applied["counts"]["failed"] == 1  # no such payment yet: retried later
    assert applied["lag_seconds"] == 90.0  # the failing one still waits

    for _ in range(8):  # every retry fails: the event dies
        clock.advance(timedelta(hours=2))
        await consumer.run_once()
    dead = await health()
    assert dead["dead"] == dead["counts"]["dead"] == 1
    assert dead["counts"]["failed"] == 0
    assert dead["lag_seconds"] is None


def _intent_succeeded(event_id: str, intent_id: str) -> bytes:
    """A payment_intent.succeeded event (10.00 USD received) as its gateway sends it."""
    intent = {
        "id": intent_id,
        "object": "payment_intent",
        "amount": 1000,
        "currency": "usd",
        "status": "succeeded",
        "amount_capturable": 0,
        "amount_received": 1000,
    }
    event = {
        "id": event_id,
        "object": "event",
        "type": "payment_intent.succeeded",
        "data": {"object": intent},
    }
    return json.dumps(event).encode()


@pytest.fixture
async def stripe_api(store_kind: str, tmp_path: Path) -> AsyncIterator[Api]:
    """Kassa configured for Stripe, as in production."""
    kassa = await kassa_container(
        store_kind,
        tmp_path,
        {TENANT: "Acme"},
        gateway="stripe",
        stripe_secret_key="sk_test_e2e",
        stripe_webhook_secret=STRIPE_SECRET,
    )
    try:
        async with Api.serving(kassa) as api:
            yield api
    finally:
        await close_container(kassa)


async def test_with_stripe_configured_the_fake_gateways_endpoint_does_not_exist(
    stripe_api: Api,
) -> None:
    """A forged event signed with the fake gateway's public default secret finds no door."""
    forged = _intent_succeeded("evt_forged", "pi_real_stripe_payment")

    response = await deliver(stripe_api, forged, sign(forged, FAKE_SECRET, now_ts()), "fake")

    assert response.status_code == 404, response.text
    error = response.json()["error"]
    assert (error["type"], error["code"]) == ("not_found", "unknown_gateway")
    assert error["request_id"] == response.headers["X-Request-ID"]
    with pytest.raises(SignatureError):  # nor does the use case hold a fake secret
        await stripe_api.container.receive_webhook().execute(
            "fake", forged, sign(forged, FAKE_SECRET, now_ts())
        )
    assert await stripe_api.stored_events() == 0
    genuine = event_body("evt_genuine", "payment_intent.created")
    stripe = await deliver(stripe_api, genuine, sign(genuine, STRIPE_SECRET, now_ts()), "stripe")
    assert stripe.status_code == 200, stripe.text
    assert await stripe_api.stored_events() == 1
