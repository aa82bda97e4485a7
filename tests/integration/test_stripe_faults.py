"""The Stripe adapter against localstripe behind a flaky proxy: retries keep one idempotency
key and the server ends up with one intent; failures never show the secret key."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest
from aiohttp import web

from adapters.gateways.stripe_gateway import StripePaymentGateway
from application.errors import GatewayError, GatewayOutcomeUnknownError
from domain.statuses import PaymentStatus
from tests.support.gateways import LOCALSTRIPE, order
from tests.support.localstripe import (  # noqa: F401
    SECRET_KEY,
    THIRD_PARTY_WARNINGS,
    LocalStripeServer,
    localstripe_fixture,
    localstripe_server_fixture,
)

pytestmark = [LOCALSTRIPE, *THIRD_PARTY_WARNINGS]

FORWARDED_HEADERS = ("Authorization", "Content-Type", "Idempotency-Key", "Stripe-Version")


class FlakyProxy:
    """Answers 500 to the first `failures` requests without passing them on (so the server
    never acts on them), then forwards to `upstream`; remembers every request it saw."""

    def __init__(self, upstream: str, failures: int) -> None:
        self.upstream = upstream
        self.failures = failures
        self.seen: list[tuple[str, str, str | None]] = []

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.seen.append((request.method, request.path, request.headers.get("Idempotency-Key")))
        if self.failures > 0:
            self.failures -= 1
            failure = {"error": {"type": "api_error", "message": "An unknown error occurred."}}
            return web.json_response(failure, status=500)
        headers = {
            name: request.headers[name] for name in FORWARDED_HEADERS if name in request.headers
        }
        async with httpx.AsyncClient(base_url=self.upstream) as client:
            answer = await client.request(
                request.method, request.path_qs, content=body, headers=headers
            )
        return web.Response(
            body=answer.content, status=answer.status_code, content_type="application/json"
        )


StartProxy = Callable[[int], Awaitable[tuple[FlakyProxy, str]]]


@pytest.fixture
async def flaky(localstripe: LocalStripeServer) -> AsyncIterator[StartProxy]:
    """Starts a proxy in front of localstripe that fails its first N requests: (proxy, URL)."""
    runners: list[web.AppRunner] = []

    async def start(failures: int) -> tuple[FlakyProxy, str]:
        proxy = FlakyProxy(localstripe.api_base, failures)
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", proxy.handle)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        runners.append(runner)
        host, port = runner.addresses[0][:2]
        return proxy, f"http://{host}:{port}"

    yield start
    for runner in runners:
        await runner.cleanup()


def gateway_at(api_base: str, secret: str = SECRET_KEY) -> StripePaymentGateway:
    return StripePaymentGateway(secret, api_base=api_base, retry_delay=0.01, max_retry_delay=0.02)


async def test_two_server_errors_then_one_intent_under_one_key(
    localstripe: LocalStripeServer,
    flaky: StartProxy,
) -> None:
    proxy, api_base = await flaky(2)
    gateway = gateway_at(api_base)

    intent = await gateway.create_intent(order("pm_card_visa"), "pay_1:create")
    await gateway.aclose()

    assert intent.status is PaymentStatus.SUCCEEDED
    assert proxy.seen == [("POST", "/v1/payment_intents", "pay_1:create")] * 3
    assert localstripe.count("payment_intents") == 1


async def test_a_server_that_keeps_failing_leaves_the_outcome_unknown(
    localstripe: LocalStripeServer,
    flaky: StartProxy,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    proxy, api_base = await flaky(10)
    gateway = gateway_at(api_base)

    with pytest.raises(GatewayOutcomeUnknownError) as caught:
        await gateway.create_intent(order("pm_card_visa"), "pay_1:create")
    await gateway.aclose()

    assert [key for _, _, key in proxy.seen] == ["pay_1:create"] * 5
    assert localstripe.count("payment_intents") == 0
    assert SECRET_KEY not in f"{caught.value} {caught.value!r} {caplog.text}"


async def test_a_refused_key_is_a_gateway_error_that_never_shows_the_key(
    localstripe: LocalStripeServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong_key = "rk_test_kassa_wrong_key_4242424242"  # localstripe accepts only sk_ keys
    gateway = gateway_at(localstripe.api_base, secret=wrong_key)

    with pytest.raises(GatewayError) as caught:
        await gateway.ping()
    await gateway.aclose()

    assert "credentials" in str(caught.value)
    assert wrong_key not in f"{caught.value} {caught.value!r} {caplog.text}"
    assert caplog.records
