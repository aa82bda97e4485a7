"""Fixtures of the portal suites: import both into a test module.

    from tests.e2e.portal_fixtures import portal_container, portal_fixture  # noqa: F401

`container` (portal_container) replaces the e2e one: bcrypt at 4 rounds (the timing test
builds its own at the default 10) and no in-process webhook consumer, so a test delivers
webhooks itself. `portal` speaks to Kassa as the merchant admin who issues links and as
the customer holding one.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from dependency_injector import providers

from adapters.gateways.fake import FakePaymentGateway
from adapters.system.clock import FixedClock
from application.portal.authenticate import PortalSession
from entrypoints.container import Container
from entrypoints.fake_gateway_delivery import fake_webhook_delivery
from tests.e2e.conftest import OTHER_TENANT, TENANT, Api, close_container, kassa_container

TEST_BCRYPT_ROUNDS = 4
PORTAL = "/api/v1/public/payment"


@pytest.fixture(name="container")
async def portal_container(store_kind: str, tmp_path: Path) -> AsyncIterator[Container]:
    kassa = await kassa_container(
        store_kind,
        tmp_path,
        {TENANT: "Acme", OTHER_TENANT: "Other"},
        bcrypt_rounds=TEST_BCRYPT_ROUNDS,
    )
    yield kassa
    await close_container(kassa)


async def deliver_webhooks(container: Container) -> None:
    """The gateway's signed events reach the inbox and the consumer applies them."""

    async def send(payload: bytes, signature: str) -> int:
        await container.receive_webhook().execute("fake", payload, signature)
        return 200

    await fake_webhook_delivery(container, send).deliver_due()
    while await container.webhook_consumer().run_once():
        pass


@dataclass
class Portal:
    """The merchant admin's API and a customer's link, over one test client."""

    api: Api

    @property
    def gateway(self) -> FakePaymentGateway:
        gateway = self.api.container.gateway()
        assert isinstance(gateway, FakePaymentGateway)
        return gateway

    async def admin_post(
        self, path: str, body: Mapping[str, Any], tenant: str = TENANT
    ) -> httpx.Response:
        return await self.api.post(path, body, role="merchant_admin", tenant=tenant)

    async def customer(self, email: str = "ada@example.com", tenant: str = TENANT) -> str:
        answer = await self.admin_post("/customers", {"email": email, "name": "Ada"}, tenant)
        assert answer.status_code == 201, answer.text
        return str(answer.json()["id"])

    async def invoice(
        self, customer_id: str, *amounts: int, currency: str = "usd", tenant: str = TENANT
    ) -> str:
        lines = [
            {"description": f"Line {n}", "quantity": 1, "unit_amount": amount}
            for n, amount in enumerate(amounts or (12_000,), start=1)
        ]
        body = {"customer_id": customer_id, "currency": currency, "lines": lines}
        answer = await self.admin_post("/invoices", body, tenant)
        assert answer.status_code == 201, answer.text
        return str(answer.json()["id"])

    async def issue(
        self,
        customer_id: str,
        invoice_id: str | None = None,
        tenant: str = TENANT,
        **extra: Any,
    ) -> dict[str, Any]:
        body = {"customer_id": customer_id, "invoice_id": invoice_id, **extra}
        answer = await self.admin_post("/portal-tokens", body, tenant)
        assert answer.status_code == 201, answer.text
        issued: dict[str, Any] = answer.json()
        return issued

    async def good_expired_and_revoked(self) -> tuple[str, str, str]:
        """Three links of one customer with an invoice: a good one, one past its one day
        (the container's clock is pinned, then moved on) and one revoked."""
        clock = FixedClock(datetime.now(UTC))
        self.api.container.clock.override(providers.Object(clock))
        customer = await self.customer()
        await self.invoice(customer)
        good = (await self.issue(customer))["token"]
        expiring = (await self.issue(customer, ttl_days=1))["token"]
        revoked = await self.issue(customer)
        deleted = await self.api.client.delete(
            f"/api/v1/portal-tokens/{revoked['id']}", headers=self.api.headers("merchant_admin")
        )
        assert deleted.status_code == 200, deleted.text
        clock.advance(timedelta(days=1, seconds=1))
        return good, expiring, revoked["token"]

    def attach_once_both_have_looked(self, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
        """The gateway's attach made to wait for a second ask: two asks to keep the same
        card, sent at once, have both found it not kept before either keeps it. The asks,
        as they came."""
        attach = self.gateway.attach_payment_method
        asked: list[Any] = []
        both_asked = asyncio.Event()

        async def waiting(*args: Any) -> Any:
            asked.append(args)
            if len(asked) == 2:
                both_asked.set()
            await asyncio.wait_for(both_asked.wait(), 5)
            return await attach(*args)

        monkeypatch.setattr(self.gateway, "attach_payment_method", waiting)
        return asked

    async def session(self, token: str) -> PortalSession:
        """The link's session, for a use case called on this loop: the test client answers
        one request at a time, so simultaneous requests go through the use cases."""
        return await self.api.container.portal_authenticator().prove(token, None, None, None)

    async def link(self, *amounts: int) -> str:
        """A new customer's invoice of `amounts` and a link to pay it: the token."""
        customer = await self.customer()
        invoice = await self.invoice(customer, *amounts)
        return str((await self.issue(customer, invoice))["token"])

    async def confirmed_at_gateway(self, amount: int) -> tuple[str, str, str]:
        """An invoice of `amount`, its link, and an intent for it that the customer's card
        confirmed at the gateway (Stripe.js): both confirm and webhook may report it.
        Answers (invoice id, token, intent id)."""
        customer = await self.customer()
        invoice_id = await self.invoice(customer, amount)
        token = str((await self.issue(customer, invoice_id))["token"])
        intent = str((await self.act(token, "create-intent")).json()["payment_intent_id"])
        await self.gateway.confirm_intent(intent, "pm_card_visa", "stripe-js-confirm")
        return invoice_id, token, intent

    async def view(self, token: str, what: str = "invoice", **params: Any) -> httpx.Response:
        return await self.api.client.get(f"{PORTAL}/{token}/{what}", params=params)

    async def act(
        self, token: str, what: str, body: Mapping[str, Any] | None = None, method: str = "POST"
    ) -> httpx.Response:
        return await self.api.client.request(method, f"{PORTAL}/{token}/{what}", json=body)

    async def pay(self, token: str, amount: int | None = None, card: str = "pm_card_visa") -> Any:
        """create-intent, then confirm with `card`: the confirmation's answer."""
        started = await self.act(token, "create-intent", {"amount": amount} if amount else {})
        assert started.status_code == 201, started.text
        intent = started.json()["payment_intent_id"]
        return await self.act(
            token, "confirm", {"payment_intent_id": intent, "payment_method": card}
        )

    async def invoice_of(self, invoice_id: str, tenant: str = TENANT) -> dict[str, Any]:
        answer = await self.api.get(f"/invoices/{invoice_id}", role="merchant_admin", tenant=tenant)
        assert answer.status_code == 200, answer.text
        found: dict[str, Any] = answer.json()
        return found

    async def tokens(self, tenant: str = TENANT, **params: Any) -> list[dict[str, Any]]:
        answer = await self.api.get(
            "/portal-tokens", role="merchant_admin", tenant=tenant, **params
        )
        assert answer.status_code == 200, answer.text
        data: list[dict[str, Any]] = answer.json()["data"]
        return data


@pytest.fixture(name="portal")
def portal_fixture(api: Api) -> Portal:
    return Portal(api)
