"""Merchant events over HTTP (§14): the outbox read back through /events, webhook
endpoints managed by merchant admins, deliveries to a real receiver, signed as Stripe signs."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from litestar import Litestar, Request, post

from adapters.gateways.stripe_signature import verify
from domain.event_delivery import DeliveryStatus
from tests.e2e.conftest import OTHER_TENANT, Api, payment_body
from tests.support.http_server import serving

pytestmark = pytest.mark.parametrize("store_kind", ["memory", "sqlite"], indirect=True)


@dataclass
class Receiver:
    """A real HTTP server that records what it is sent and answers `status`."""

    url: str = ""
    status: int = 200
    received: list[tuple[bytes, dict[str, str]]] = field(default_factory=list)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    found = Receiver()

    @post("/hook", status_code=200)
    async def hook(request: Request[Any, Any, Any]) -> Any:
        found.received.append((await request.body(), dict(request.headers)))
        from litestar import Response

        return Response(b"", status_code=found.status)

    async with serving(Litestar([hook])) as base:
        found.url = base + "/hook"
        yield found


async def _endpoint(api: Api, url: str, tenant: str = "ten_acme", events: Any = None) -> Any:
    answer = await api.post(
        "/webhook-endpoints",
        {"url": url, "enabled_events": events or ["*"]},
        role="merchant_admin",
        tenant=tenant,
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


async def test_a_charge_becomes_created_and_succeeded_events_newest_first(api: Api) -> None:
    paid = (await api.post("/payments/charge", payment_body(), key="k1")).json()
    listed = (await api.get("/events")).json()
    types = [e["type"] for e in listed["data"]]
    assert sorted(types) == ["payment.created", "payment.succeeded", "receipt.issued"]
    succeeded = next(e for e in listed["data"] if e["type"] == "payment.succeeded")
    assert succeeded["object"] == "event" and succeeded["id"].startswith("evt_")
    assert succeeded["data"]["object"]["id"] == paid["id"]
    assert "client_secret" not in succeeded["data"]["object"]
    created = [e["created"] for e in listed["data"]]
    assert created == sorted(created, reverse=True)
    only = (await api.get("/events", type="payment.succeeded")).json()["data"]
    assert [e["type"] for e in only] == ["payment.succeeded"]
    one = await api.get(f"/events/{only[0]['id']}")
    assert one.status_code == 200 and one.json() == only[0]


async def test_events_are_scoped_to_the_callers_tenant(api: Api) -> None:
    await api.post("/payments/charge", payment_body(), key="k1")
    mine = (await api.get("/events")).json()["data"]
    assert mine
    assert (await api.get("/events", tenant=OTHER_TENANT)).json()["data"] == []
    other = await api.get(f"/events/{mine[0]['id']}", tenant=OTHER_TENANT)
    assert other.status_code == 404


async def test_a_refund_raises_refund_events_carrying_the_refund(api: Api) -> None:
    paid = (await api.post("/payments/charge", payment_body(), key="k1")).json()
    refund = await api.post(
        f"/payments/{paid['id']}/refunds", {"amount": 500}, role="merchant_admin", key="r1"
    )
    assert refund.status_code in (200, 201), refund.text
    refunds = (await api.get("/events", type="refund.succeeded")).json()["data"]
    assert len(refunds) == 1
    assert refunds[0]["data"]["object"]["object"] == "refund"
    assert refunds[0]["data"]["object"]["amount"] == 500


async def test_endpoints_are_for_merchant_admins_and_show_their_secret_once(api: Api) -> None:
    refused = await api.post(
        "/webhook-endpoints", {"url": "https://example.com/h", "enabled_events": ["*"]}
    )
    assert refused.status_code == 403
    made = await _endpoint(api, "https://example.com/h")
    assert made["secret"].startswith("whsec_")
    read = (await api.get(f"/webhook-endpoints/{made['id']}", role="merchant_admin")).json()
    assert "secret" not in read
    other = await api.get(
        f"/webhook-endpoints/{made['id']}", role="merchant_admin", tenant=OTHER_TENANT
    )
    assert other.status_code == 404
    bad = await api.post(
        "/webhook-endpoints",
        {"url": "https://example.com/h", "enabled_events": ["payment.exploded"]},
        role="merchant_admin",
    )
    assert bad.status_code == 400
    changed = await api.client.patch(
        f"/api/v1/webhook-endpoints/{made['id']}",
        json={"disabled": True, "enabled_events": ["payment.succeeded"]},
        headers=api.headers("merchant_admin"),
    )
    assert changed.json()["disabled"] is True
    assert changed.json()["enabled_events"] == ["payment.succeeded"]
    gone = await api.client.delete(
        f"/api/v1/webhook-endpoints/{made['id']}", headers=api.headers("merchant_admin")
    )
    assert gone.status_code == 204
    listed = (await api.get("/webhook-endpoints", role="merchant_admin")).json()
    assert listed["data"] == []


async def test_each_tenants_endpoint_receives_only_its_events_signed(
    api: Api, receiver: Receiver
) -> None:
    mine = await _endpoint(api, receiver.url + "?t=mine")
    theirs = await _endpoint(api, receiver.url + "?t=theirs", tenant=OTHER_TENANT)
    await api.post("/payments/charge", payment_body(), key="k1")
    await api.container.deliver_events().dispatch(100)
    deliver = api.container.deliver_events()
    for delivery in await deliver.claim(100):
        await deliver.deliver(delivery)
    assert len(receiver.received) == 3  # payment.created, payment.succeeded, receipt.issued
    now = datetime.now(UTC)
    for body, headers in receiver.received:
        verify(body, headers["kassa-signature"], mine["secret"], now)
        assert b'"tenant_id":"ten_acme"' in body
    deliveries = await api.get(f"/webhook-endpoints/{mine['id']}/deliveries", role="merchant_admin")
    data = deliveries.json()["data"]
    assert [d["status"] for d in data] == ["delivered"] * 3
    assert data[0]["attempts"][0]["status_code"] == 200
    theirs_deliveries = await api.get(
        f"/webhook-endpoints/{theirs['id']}/deliveries", role="merchant_admin", tenant=OTHER_TENANT
    )
    assert theirs_deliveries.json()["data"] == []


async def test_a_failing_receiver_is_retried_later_and_every_attempt_is_kept(
    api: Api, receiver: Receiver
) -> None:
    made = await _endpoint(api, receiver.url, events=["payment.succeeded"])
    receiver.status = 500
    await api.post("/payments/charge", payment_body(), key="k1")
    deliver = api.container.deliver_events()
    await deliver.dispatch(100)
    (delivery,) = await deliver.claim(100)
    assert await deliver.deliver(delivery) is DeliveryStatus.PENDING
    assert await deliver.claim(100) == []  # not due again before its backoff
    listed = (
        await api.get(f"/webhook-endpoints/{made['id']}/deliveries", role="merchant_admin")
    ).json()["data"]
    assert listed[0]["attempts"][0]["status_code"] == 500
    assert listed[0]["next_attempt_at"] is not None
    endpoint = (await api.get(f"/webhook-endpoints/{made['id']}", role="merchant_admin")).json()
    assert endpoint["failing_since"] is not None


async def test_a_rotated_secret_and_the_old_one_both_sign_during_the_overlap(
    api: Api, receiver: Receiver
) -> None:
    made = await _endpoint(api, receiver.url, events=["payment.succeeded"])
    rotated = await api.post(
        f"/webhook-endpoints/{made['id']}/rotate-secret",
        {"overlap_hours": 1},
        role="merchant_admin",
    )
    assert rotated.status_code == 200, rotated.text
    new_secret = rotated.json()["secret"]
    assert new_secret != made["secret"]
    await api.post("/payments/charge", payment_body(), key="k1")
    deliver = api.container.deliver_events()
    await deliver.dispatch(100)
    await asyncio.gather(*(deliver.deliver(d) for d in await deliver.claim(100)))
    ((body, headers),) = receiver.received
    for secret in (new_secret, made["secret"]):
        verify(body, headers["kassa-signature"], secret, datetime.now(UTC))


async def test_an_endpoint_whose_name_now_resolves_privately_is_not_sent_to(
    api: Api, receiver: Receiver
) -> None:
    """Made in dev, delivered outside it: the sender resolves `localhost` as it connects,
    finds a loopback address and connects nowhere."""
    from dependency_injector import providers

    from adapters.events.url_guard import ResolvingUrlGuard

    port = receiver.url.split(":")[2].split("/")[0]
    made = await _endpoint(api, f"https://localhost:{port}/hook", events=["payment.succeeded"])
    await api.post("/payments/charge", payment_body(), key="k1")
    with api.container.url_guard.override(providers.Object(ResolvingUrlGuard(False))):
        api.container.webhook_sender.reset()  # a sender over the production guard
        deliver = api.container.deliver_events()
        await deliver.dispatch(100)
        for delivery in await deliver.claim(100):
            await deliver.deliver(delivery)
    assert receiver.received == []
    listed = (
        await api.get(f"/webhook-endpoints/{made['id']}/deliveries", role="merchant_admin")
    ).json()["data"]
    error = listed[0]["attempts"][0]["error"]
    assert error.startswith("refused: ") and "non-public address" in error, error


async def test_outside_dev_a_private_url_is_refused_at_creation(api: Api) -> None:
    from dependency_injector import providers

    from adapters.events.url_guard import ResolvingUrlGuard

    with api.container.url_guard.override(providers.Object(ResolvingUrlGuard(False))):
        for url in ("http://127.0.0.1/h", "https://169.254.169.254/", "https://10.0.0.1/h"):
            refused = await api.post(
                "/webhook-endpoints", {"url": url, "enabled_events": ["*"]}, role="merchant_admin"
            )
            assert refused.status_code == 400, url
            assert refused.json()["error"]["code"] == "url_not_allowed"
