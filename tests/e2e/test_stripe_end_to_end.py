"""Kassa as an operator runs it against Stripe's API (§3, §6): `kassa serve` in a subprocess
with KASSA_GATEWAY=stripe, pointed at the suite's localstripe, spoken to over HTTP only.
What Kassa answers is checked against what localstripe holds, and localstripe's own signed
webhooks are delivered to Kassa's /api/v1/webhooks/stripe and applied by its consumer."""

from __future__ import annotations

import asyncio
import json
import logging
import subprocess
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.reliability.kassa_processes import KASSA, REPO_ROOT, KassaProcess, kassa_env, serve
from tests.support.localstripe import (
    SECRET_KEY,
    THIRD_PARTY_WARNINGS,
    LocalStripeServer,
    localstripe_fixture,
    localstripe_server_fixture,
)

pytestmark = [pytest.mark.localstripe, *THIRD_PARTY_WARNINGS]

__all__ = ["localstripe_fixture", "localstripe_server_fixture"]

WEBHOOK_SECRET = "whsec_kassa_e2e_localstripe_0123456789"
WEBHOOK_ID = "kassa_e2e"


@dataclass
class Kassa:
    """One `kassa serve` on a migrated SQLite file, and tokens for the demo tenant."""

    http: httpx.AsyncClient
    base_url: str
    env: Mapping[str, str]
    tokens: Mapping[str, str]

    def as_role(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    async def post(self, path: str, body: Mapping[str, Any], role: str = "merchant") -> Any:
        answer = await self.http.post(f"/api/v1{path}", json=body, headers=self.as_role(role))
        assert answer.status_code in (200, 201), answer.text
        return answer.json()

    async def get(self, path: str, role: str = "merchant") -> Any:
        answer = await self.http.get(f"/api/v1{path}", headers=self.as_role(role))
        assert answer.status_code == 200, answer.text
        return answer.json()


def cli(env: Mapping[str, str], *args: str) -> str:
    """`kassa ARGS…` as a script runs it; its stdout."""
    done = subprocess.run(
        [str(KASSA), *args], cwd=REPO_ROOT, env=dict(env),
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, f"kassa {' '.join(args)}: {done.stdout}{done.stderr}"
    return done.stdout


@pytest.fixture
async def kassa(localstripe: LocalStripeServer, tmp_path: Path) -> AsyncIterator[Kassa]:
    env = kassa_env(
        f"sqlite+aiosqlite:///{tmp_path / 'kassa.db'}",
        gateway="stripe",
        stripe_secret_key=SECRET_KEY,
        stripe_api_base=localstripe.api_base,
        stripe_webhook_secret=WEBHOOK_SECRET,
        consumer_in_process="true",
    )
    cli(env, "db", "migrate")
    demo = json.loads(cli(env, "demo", "--json"))
    tokens = {
        "merchant": demo["merchant_token"],
        "merchant_admin": demo["admin_token"],
        "platform_admin": cli(
            env, "auth", "token", "--tenant", demo["tenant_id"], "--role", "platform_admin"
        ).strip(),
    }
    server: KassaProcess
    server, base_url = await serve(env["KASSA_DATABASE_URL"], tmp_path, **_settings(env))
    try:
        async with httpx.AsyncClient(base_url=base_url, trust_env=False, timeout=30) as http:
            yield Kassa(http, base_url, env, tokens)
    finally:
        await server.terminate()
        assert "Traceback" not in server.output(), server.output()


def _settings(env: Mapping[str, str]) -> dict[str, str]:
    """`env`'s KASSA_* settings as `serve` takes them (it sets the database itself)."""
    return {
        name.removeprefix("KASSA_").lower(): value
        for name, value in env.items()
        if name.startswith("KASSA_") and name != "KASSA_DATABASE_URL"
    }


def stripe_object(localstripe: LocalStripeServer, path: str) -> Any:
    answer = localstripe.http.get(f"/v1/{path}")
    answer.raise_for_status()
    return answer.json()


def authorization(order_id: str, amount: int = 10_000) -> dict[str, Any]:
    return {
        "order_id": order_id,
        "amount": amount,
        "currency": "usd",
        "payment_method": "pm_card_visa",
    }


def captured_at_stripe(localstripe: LocalStripeServer, intent_id: str) -> tuple[str, int]:
    """The intent's status and what it took. localstripe's PaymentIntent has no
    `amount_received`: it captures the whole charge and refunds the rest (a refund of its
    own, without `payment_intent`), so what it took is the charge less that release."""
    intent = stripe_object(localstripe, f"payment_intents/{intent_id}")
    charge = intent["latest_charge"]
    released = sum(r["amount"] for r in charge["refunds"]["data"] if r["payment_intent"] is None)
    return intent["status"], charge["amount"] - released


async def capture_in_part(kassa: Kassa, localstripe: LocalStripeServer, order_id: str) -> Any:
    """100.00 USD authorized, 60.00 captured: the payment as Kassa answers the capture."""
    authorized = await kassa.post("/payments/authorize", authorization(order_id))
    assert authorized["status"] == "requires_capture"
    intent_id = authorized["gateway_payment_id"]
    assert stripe_object(localstripe, f"payment_intents/{intent_id}")["status"] == (
        "requires_capture"
    )
    return await kassa.post(f"/payments/{authorized['id']}/capture", {"amount": 6_000})


async def test_a_partial_capture_and_a_partial_refund_reach_stripe(
    kassa: Kassa, localstripe: LocalStripeServer
) -> None:
    captured = await capture_in_part(kassa, localstripe, "ord_e2e_1")
    intent_id = captured["gateway_payment_id"]
    assert captured["status"] == "succeeded"
    assert captured_at_stripe(localstripe, intent_id) == ("succeeded", 6_000)

    refund = await kassa.post(
        f"/payments/{captured['id']}/refunds", {"amount": 2_000}, role="merchant_admin"
    )

    assert (refund["amount"], refund["status"]) == (2_000, "succeeded")
    payment = await kassa.get(f"/payments/{captured['id']}")
    assert (payment["refund_status"], payment["amount_refunded"]) == ("partial", 2_000)
    charge = stripe_object(localstripe, f"payment_intents/{intent_id}")["latest_charge"]
    merchant_refunds = [
        (r["amount"], r["status"], r["charge"])
        for r in stripe_object(localstripe, "refunds")["data"]
        if r["payment_intent"] == intent_id
    ]
    assert merchant_refunds == [(2_000, "succeeded", charge["id"])]


async def test_a_partial_capture_books_what_stripe_took(
    kassa: Kassa, localstripe: LocalStripeServer
) -> None:
    captured = await capture_in_part(kassa, localstripe, "ord_e2e_4")

    assert captured["amount_captured"] == 6_000


async def test_a_canceled_authorization_is_canceled_at_stripe_too(
    kassa: Kassa, localstripe: LocalStripeServer
) -> None:
    authorized = await kassa.post("/payments/authorize", authorization("ord_e2e_2", 2_500))

    canceled = await kassa.post(f"/payments/{authorized['id']}/cancel", {})

    assert (canceled["status"], canceled["amount_captured"]) == ("canceled", 0)
    intent = stripe_object(localstripe, f"payment_intents/{authorized['gateway_payment_id']}")
    assert (intent["status"], intent["latest_charge"]["captured"]) == ("canceled", False)


@pytest.fixture
def deliveries() -> Iterator[list[str]]:
    """What localstripe logs of each webhook delivery (its only record of the answer)."""
    seen: list[str] = []
    handler = logging.Handler(logging.INFO)
    handler.emit = lambda record: seen.append(record.getMessage())  # type: ignore[method-assign]
    logger = logging.getLogger("aiohttp.access")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield seen
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


@pytest.fixture
def kassa_webhook(kassa: Kassa, localstripe: LocalStripeServer) -> Iterator[None]:
    """Kassa's endpoint registered at localstripe, which keeps webhooks past a flush."""
    from localstripe import webhooks

    form = {"url": f"{kassa.base_url}/api/v1/webhooks/stripe", "secret": WEBHOOK_SECRET}
    localstripe.http.post(f"/_config/webhooks/{WEBHOOK_ID}", data=form).raise_for_status()
    try:
        yield
    finally:
        webhooks._webhooks.pop(WEBHOOK_ID, None)


async def settled_inbox(kassa: Kassa, deliveries: list[str], count: int, within: float = 20) -> Any:
    """The inbox's health once localstripe has delivered `count` events (it waits 1 s before
    each) and Kassa's consumer has nothing left to apply."""
    deadline = time.monotonic() + within
    while True:
        health = await kassa.get("/webhooks/health", role="platform_admin")
        if len(deliveries) >= count and health["lag_seconds"] is None:
            return health
        if time.monotonic() > deadline:
            raise AssertionError(f"the inbox never settled: {health}, {deliveries}")
        await asyncio.sleep(0.2)


@pytest.mark.usefixtures("kassa_webhook")
async def test_stripes_signed_events_reach_kassa_and_are_applied(
    kassa: Kassa, deliveries: list[str]
) -> None:
    charged = await kassa.post("/payments/charge", authorization("ord_e2e_3", 4_200))
    authorized = await kassa.post("/payments/authorize", authorization("ord_e2e_5", 1_500))
    # localstripe sends payment_intent.succeeded on a capture, nothing on an authorization.
    await kassa.post(f"/payments/{authorized['id']}/capture", {})

    health = await settled_inbox(kassa, deliveries, count=3)

    assert all("successfully delivered" in line for line in deliveries), deliveries
    assert (health["dead"], health["counts"]["processed"]) == (0, 2), health
    events = json.loads(cli(kassa.env, "webhooks", "list", "--json"))["data"]
    assert sorted((e["type"], e["status"]) for e in events) == [
        ("balance.available", "ignored"),
        ("payment_intent.succeeded", "processed"),
        ("payment_intent.succeeded", "processed"),
    ]
    for payment_id, amount in ((charged["id"], 4_200), (authorized["id"], 1_500)):
        payment = await kassa.get(f"/payments/{payment_id}")
        assert (payment["status"], payment["amount_captured"]) == ("succeeded", amount)
