"""`GET /metrics` parses as Prometheus text and moves when requests, payments, gateway
calls, webhook events and portal link checks happen."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from prometheus_client.parser import text_string_to_metric_families

from adapters.gateways.stripe_signature import sign
from tests.e2e.conftest import Api, payment_body

Samples = Mapping[tuple[str, frozenset[tuple[str, str]]], float]


async def scrape(api: Api) -> Samples:
    answer = await api.client.get("/metrics")
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
    assert value(after, "kassa_webhook_inbox_events", status="pending") >= 1
    assert moved("kassa_portal_token_checks_total", result="failed") == 1
