"""The gateways the contract suite runs on: the fake with its books in memory, in SQLite
and in PostgreSQL, and the Stripe adapter on localstripe."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import pytest
from sqlalchemy import text

from adapters.gateways.fake import FakePaymentGateway
from adapters.gateways.fake_sql import SqlFakeGatewayState
from adapters.gateways.fake_sql import metadata as fake_gateway_tables
from adapters.gateways.stripe_gateway import StripePaymentGateway
from adapters.persistence.sql.engine import create_engine
from adapters.system.clock import SystemClock
from application.ports.gateway import CustomerGateway, IntentRequest, PaymentGateway
from domain.capture_method import CaptureMethod
from domain.gateway_results import GatewayIntent
from domain.money import Money
from tests.support.databases import copy_sqlite
from tests.support.localstripe import SECRET_KEY, LocalStripeServer

USD_10 = Money(1000, "USD")
LOCALSTRIPE = pytest.mark.localstripe
FAKES = ["fake", "fake-sqlite", pytest.param("fake-postgresql", marks=pytest.mark.postgres)]
BACKENDS = [*FAKES, pytest.param("stripe", marks=LOCALSTRIPE)]


@dataclass(frozen=True)
class Cards:
    """Payment methods that behave like Stripe's test cards on a given backend."""

    visa: str
    declined: str
    three_d_secure: str


def order(
    payment_method: str | None,
    capture: CaptureMethod = CaptureMethod.AUTOMATIC,
    *,
    confirm: bool = True,
) -> IntentRequest:
    return IntentRequest(
        amount=USD_10,
        capture_method=capture,
        confirm=confirm,
        payment_method=payment_method,
        metadata={"order_id": "ord_1", "kassa_payment_id": "pay_1"},
    )


class WholeGateway(PaymentGateway, CustomerGateway, Protocol):
    """Both ports, as each gateway adapter implements them."""


@dataclass
class GatewayBackend:
    kind: str
    gateway: WholeGateway
    cards: Cards
    count_intents: Callable[[], Awaitable[int]]

    async def authorize(self, key: str = "pay_1:create") -> GatewayIntent:
        """10.00 USD held on a Visa card."""
        return await self.gateway.create_intent(order(self.cards.visa, CaptureMethod.MANUAL), key)

    async def charge(self, key: str = "pay_1:create") -> GatewayIntent:
        """10.00 USD taken from a Visa card."""
        return await self.gateway.create_intent(order(self.cards.visa), key)


def localstripe_gap(
    reason: str, raises: type[BaseException] | tuple[type[BaseException], ...]
) -> pytest.MarkDecorator:
    """Both backends, the Stripe one expected to fail (strictly, and only with `raises`) for
    what localstripe lacks; tests/integration/test_stripe_http.py covers the case instead,
    against Stripe's answers."""
    gap = pytest.mark.xfail(strict=True, raises=raises, reason=f"localstripe: {reason}")
    stripe_marks = [LOCALSTRIPE, gap]
    return pytest.mark.parametrize(
        "backend", [*FAKES, pytest.param("stripe", marks=stripe_marks)], indirect=True
    )


@pytest.fixture(name="backend", params=BACKENDS)
async def backend_fixture(request: pytest.FixtureRequest) -> AsyncIterator[GatewayBackend]:
    if request.param.startswith("fake"):
        async with fake_gateway(request) as fake:

            async def count() -> int:
                return len(await fake.list_intents(limit=1_000))

            cards = Cards("pm_card_visa", "pm_card_chargeDeclined", "pm_card_threeDSecureRequired")
            yield GatewayBackend("fake", fake, cards, count)
        return
    server: LocalStripeServer = request.getfixturevalue("localstripe")
    gateway = StripePaymentGateway(
        SECRET_KEY, api_base=server.api_base, retry_delay=0.01, max_retry_delay=0.02
    )
    cards = Cards("pm_card_visa", server.card("declined"), server.card("three_d_secure"))

    async def count_stripe_intents() -> int:
        return server.count("payment_intents")

    try:
        yield GatewayBackend("stripe", gateway, cards, count_stripe_intents)
    finally:
        await gateway.aclose()


@asynccontextmanager
async def fake_gateway(request: pytest.FixtureRequest) -> AsyncIterator[FakePaymentGateway]:
    """The fake named by the parameter, with empty books."""
    if request.param == "fake":
        yield FakePaymentGateway()
        return
    if request.param == "fake-sqlite":
        tmp_path: Path = request.getfixturevalue("tmp_path")
        url = copy_sqlite(request.getfixturevalue("sqlite_template"), tmp_path)
    else:
        url = str(request.getfixturevalue("postgres_url"))
    engine = create_engine(url)
    try:
        if engine.dialect.name == "postgresql":  # the session's database: empty its books
            names = ", ".join(t.name for t in fake_gateway_tables.sorted_tables)
            async with engine.begin() as conn:
                await conn.execute(text(f"TRUNCATE {names}"))
        clock = SystemClock()
        yield FakePaymentGateway(clock, state=SqlFakeGatewayState(engine, clock.now))
    finally:
        await engine.dispose()
