"""Steps about merchant events: an order service that listens, and what it hears."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from dependency_injector import providers
from pytest_bdd import given, parsers, then

from adapters.gateways.stripe_signature import verify
from application.ports.events import SendResult
from domain.money import Money
from domain.tenant import Tenant
from tests.steps.shop import Shop
from tests.steps.vocabulary import WORDS

LISTENS_FOR = ["payment.succeeded", "payment.failed", "refund.succeeded", "receipt.issued"]


@dataclass
class OrderService:
    """Where a merchant's events go: it answers 200 and remembers what it heard."""

    heard: dict[str, list[tuple[bytes, Mapping[str, str]]]] = field(default_factory=dict)

    async def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> SendResult:
        self.heard.setdefault(url, []).append((body, dict(headers)))
        return SendResult(status_code=200, latency_ms=1, error=None)


@dataclass
class Listener:
    url: str
    secret: str


def listen(shop: Shop, merchant: Tenant, name: str) -> Listener:
    url = f"https://orders.example/{name}"
    work = shop.container.webhook_endpoints().create(merchant.id, url, LISTENS_FOR)
    endpoint = shop.run(work)
    return Listener(url, endpoint.secret)


def hear(shop: Shop, service: OrderService, listener: Listener) -> list[dict[str, Any]]:
    """Let the delivery worker run, then what `listener` heard, as the JSON it got."""

    async def deliver() -> None:
        worker = shop.container.deliver_events()
        while await worker.dispatch(100):
            pass
        for delivery in await worker.claim(100):
            await worker.deliver(delivery)

    shop.run(deliver())
    return [json.loads(body) for body, _ in service.heard.get(listener.url, [])]


@given(
    "the merchant's order service listens for payment, refund and receipt news",
    target_fixture="ears",
)
def the_order_service_listens(shop: Shop, merchant: Tenant) -> tuple[OrderService, Listener]:
    service = OrderService()
    shop.container.webhook_sender.override(providers.Object(service))
    return service, listen(shop, merchant, "ours")


@given("another merchant whose order service listens too", target_fixture="other_ears")
def another_merchant_listens(
    shop: Shop, ears: tuple[OrderService, Listener]
) -> tuple[OrderService, Listener]:
    other = shop.open_merchant("starter")
    return ears[0], listen(shop, other, "theirs")


def _messages(shop: Shop, ears: tuple[OrderService, Listener], kind: str) -> list[dict[str, Any]]:
    return [m for m in hear(shop, *ears) if m["type"] == kind]


@then(parsers.parse("the order service hears that a payment of {amount:Money} succeeded",
                    extra_types=WORDS))  # fmt: skip
def hears_a_success(shop: Shop, ears: tuple[OrderService, Listener], amount: Money) -> None:
    (message,) = _messages(shop, ears, "payment.succeeded")
    paid = message["data"]["object"]
    assert Money(paid["amount_captured"], paid["currency"].upper()) == amount


@then(parsers.parse("the order service hears that a payment of {amount:Money} failed",
                    extra_types=WORDS))  # fmt: skip
def hears_a_failure(shop: Shop, ears: tuple[OrderService, Listener], amount: Money) -> None:
    (message,) = _messages(shop, ears, "payment.failed")
    failed = message["data"]["object"]
    assert Money(failed["amount"], failed["currency"].upper()) == amount


@then(parsers.parse("the order service hears that {amount:Money} was refunded",
                    extra_types=WORDS))  # fmt: skip
def hears_a_refund(shop: Shop, ears: tuple[OrderService, Listener], amount: Money) -> None:
    (message,) = _messages(shop, ears, "refund.succeeded")
    refund = message["data"]["object"]
    assert Money(refund["amount"], refund["currency"].upper()) == amount


@then(parsers.parse("the order service hears that a receipt for {amount:Money} was issued",
                    extra_types=WORDS))  # fmt: skip
def hears_a_receipt(shop: Shop, ears: tuple[OrderService, Listener], amount: Money) -> None:
    (message,) = _messages(shop, ears, "receipt.issued")
    receipt = message["data"]["object"]
    assert Money(receipt["total"]["amount"], receipt["currency"].upper()) == amount
    assert receipt["number"].startswith("R-")


@then("every message it heard carries the merchant's signature")
def every_message_is_signed(ears: tuple[OrderService, Listener], shop: Shop) -> None:
    service, listener = ears
    heard = service.heard[listener.url]
    assert heard
    for body, headers in heard:
        verify(body, headers["Kassa-Signature"], listener.secret, shop.clock.now())


@then("the other merchant's order service hears nothing")
def the_other_hears_nothing(shop: Shop, other_ears: tuple[OrderService, Listener]) -> None:
    assert hear(shop, *other_ears) == []
