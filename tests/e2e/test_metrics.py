"""`GET /metrics` parses as Prometheus text and moves when requests, payments, gateway
calls, webhook events, portal link checks, bcrypt checks and mails happen."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from dependency_injector import providers
from prometheus_client.parser import text_string_to_metric_families

from adapters.gateways.stripe_signature import sign
from adapters.system.clock import FixedClock
from entrypoints.http.app import create_app
from tests.e2e.conftest import TENANT, Api, close_container, kassa_container, payment_body
from tests.support.http_server import serving
from tests.support.ports import free_port
from tests.support.smtp import smtp_server

Samples = Mapping[tuple[str, frozenset[tuple[str, str]]], float]


async def scrape(api: Api) -> Samples:
    return await scrape_from(api.client)


async def scrape_from(client: httpx.AsyncClient) -> Samples:
    answer = await client.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain; version=")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(answer.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    """The sum of `name`'s samples carrying at least `labels`."""
    wanted = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and wanted <= ls)


async def test_metrics_move_with_requests_payments_webhooks_and_portal_checks(api: Api) -> None:
    before = await scrape(api)

    charged = await api.post("/payments/charge", payment_body(order_id="metrics-1"))
    assert charged.status_code == 201
    await api.get(f"/payments/{charged.json()['id']}")
    event = (
        b'{"id":"evt_metrics_1","object":"event","type":"customer.created","created":1,'
        b'"data":{"object":{"id":"cus_1","object":"customer"}}}'
    )
    now = int(datetime.now(UTC).timestamp())
    signature = sign(event, api.settings.fake_webhook_secret, now)
    stored = await api.client.post(
        "/api/v1/webhooks/fake", content=event, headers={"Stripe-Signature": signature}
    )
    assert stored.status_code == 200
    await api.client.get("/api/v1/public/payment/kpt_not-a-real-link/invoice")

    after = await scrape(api)

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    retrieve = {"method": "GET", "path": "/api/v1/payments/{payment_id}"}
    assert moved("kassa_requests_total", status_code="201", method="POST") >= 1
    assert moved("kassa_requests_total", **retrieve) == 1
    assert not any("pay_" in labels for (_, ls) in after for labels in dict(ls).values())
    assert moved("kassa_domain_events_total", event="PaymentCaptured") == 1
    assert moved("kassa_gateway_call_seconds_count", operation="create_intent") == 1
    assert value(after, "kassa_webhook_inbox_events", status="ignored") >= 1  # on receipt
    assert moved("kassa_portal_token_checks_total", result="failed") == 1


@pytest.fixture
async def slow_bcrypt_server(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    """A real server (checks must run side by side, which the in-process test client does
    not do), with bcrypt at 12 rounds: a quarter of a second or so a check, so they queue."""
    kassa = await kassa_container("memory", tmp_path, {TENANT: "Acme"}, bcrypt_rounds=12)
    async with (
        serving(create_app(kassa)) as url,
        httpx.AsyncClient(base_url=url, timeout=60) as client,
    ):
        yield client
    await close_container(kassa)


async def test_the_bcrypt_queue_depth_rises_while_link_checks_wait_and_falls_after(
    slow_bcrypt_server: httpx.AsyncClient,
) -> None:
    client = slow_bcrypt_server
    before = await scrape_from(client)
    assert value(before, "kassa_bcrypt_queue_depth", state="waiting") == 0
    # Six bad links at once: each costs one bcrypt check; the pool runs two at a time.
    checks = [
        asyncio.create_task(client.get(f"/api/v1/public/payment/kpt_bad{n}/invoice"))
        for n in range(6)
    ]
    waiting = running = 0.0
    while not all(check.done() for check in checks):
        during = await scrape_from(client)
        waiting = max(waiting, value(during, "kassa_bcrypt_queue_depth", state="waiting"))
        running = max(running, value(during, "kassa_bcrypt_queue_depth", state="running"))
        await asyncio.sleep(0.02)
    answers = await asyncio.gather(*checks)
    after = await scrape_from(client)

    assert [answer.status_code for answer in answers] == [401] * 6
    assert waiting >= 1 and 1 <= running <= 2  # queued behind the pool's two threads
    assert value(after, "kassa_bcrypt_queue_depth", state="waiting") == 0
    assert value(after, "kassa_bcrypt_queue_depth", state="running") == 0


@pytest.fixture
def smtp_port() -> int:
    return free_port()


@pytest.fixture
async def mailing_api(tmp_path: Path, smtp_port: int) -> AsyncIterator[Api]:
    kassa = await kassa_container(
        "memory", tmp_path, {TENANT: "Acme"}, smtp_url=f"smtp://127.0.0.1:{smtp_port}"
    )
    async with Api.serving(kassa) as api:
        yield api
    await close_container(kassa)


async def test_mails_sent_and_failed_are_counted(mailing_api: Api, smtp_port: int) -> None:
    api = mailing_api
    customer = await api.post("/customers", {"email": "ada@example.com"}, role="merchant_admin")
    body = payment_body("metrics-mail", customer_id=customer.json()["id"])
    assert (await api.post("/payments/charge", body)).status_code == 201  # a receipt mail
    before = await scrape(api)

    down = await api.container.send_outbox_mail().execute()  # no SMTP server yet
    failed = await scrape(api)
    later = FixedClock(datetime.now(UTC) + timedelta(minutes=5))  # past the retry's backoff
    api.container.clock.override(providers.Object(later))
    with smtp_server(smtp_port) as inbox:
        back = await api.container.send_outbox_mail().execute()
    after = await scrape(api)

    assert (down.failed, back.sent, len(inbox.messages)) == (1, 1, 1)
    assert (
        value(failed, "kassa_mails_total", outcome="failed")
        - value(before, "kassa_mails_total", outcome="failed")
        == 1
    )
    assert (
        value(after, "kassa_mails_total", outcome="sent")
        - value(before, "kassa_mails_total", outcome="sent")
        == 1
    )
