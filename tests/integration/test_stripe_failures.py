"""How the Stripe adapter fails: what it retries (always with the same idempotency key), what
each failure becomes, and that the secret key never leaves in an error or a log line."""

from __future__ import annotations

import logging

import httpx
import pytest
import respx

from adapters.gateways.stripe_gateway import StripePaymentGateway
from adapters.gateways.stripe_requests import StripeRequests
from application.errors import GatewayError, GatewayOutcomeUnknownError, GatewayRejectedError
from application.ports.gateway import CaptureRequest, RefundRequest
from domain.money import Money
from tests.support import stripe_responses as stripe_json
from tests.support.gateways import order
from tests.support.localstripe import THIRD_PARTY_WARNINGS
from tests.support.stripe_responses import SECRET

pytestmark = THIRD_PARTY_WARNINGS

PI = "pi_3QkassaTest0001"
USD_3 = Money(300, "USD")
SERVER_ERROR = httpx.Response(500, json=stripe_json.error("api_error", "Something went wrong."))
OK = httpx.Response(200, json=stripe_json.payment_intent(status="succeeded"))


def keys(route: respx.Route) -> list[str]:
    return [call.request.headers.get("Idempotency-Key", "") for call in route.calls]


def assert_secret_kept(exc: BaseException, caplog: pytest.LogCaptureFixture) -> None:
    assert SECRET not in str(exc) and SECRET not in repr(exc)
    # Stripe's own error is not chained on, so no traceback prints its message either.
    assert exc.__cause__ is None and exc.__suppress_context__
    assert caplog.records and SECRET not in caplog.text


async def test_an_invalid_request_is_rejected_at_once(
    stripe_api: respx.MockRouter, gateway: StripePaymentGateway
) -> None:
    body = stripe_json.error(
        "invalid_request_error",
        "No such PaymentMethod: 'pm_nope'",
        code="resource_missing",
        param="payment_method",
    )
    route = stripe_api.post("/v1/payment_intents").respond(400, json=body)

    with pytest.raises(GatewayRejectedError) as caught:
        await gateway.create_intent(order("pm_nope"), "pay_1:create")

    assert route.call_count == 1
    assert caught.value.param == "payment_method"
    assert "No such PaymentMethod: 'pm_nope'" in str(caught.value)


async def test_a_card_error_on_saving_a_card_is_a_refusal(
    stripe_api: respx.MockRouter, gateway: StripePaymentGateway
) -> None:
    body = stripe_json.error("card_error", "Your card was declined.", code="card_declined")
    route = stripe_api.post("/v1/payment_methods/pm_x/attach").respond(402, json=body)

    with pytest.raises(GatewayRejectedError):
        await gateway.attach_payment_method("cus_1", "pm_x", "cus_1:attach:1")

    assert route.call_count == 1


async def test_an_authentication_error_is_a_gateway_error_that_keeps_the_key(
    stripe_api: respx.MockRouter, gateway: StripePaymentGateway, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    body = stripe_json.error(
        "invalid_request_error", f"Invalid API Key provided: {SECRET[:8]}****{SECRET[-4:]}"
    )
    route = stripe_api.get(f"/v1/payment_intents/{PI}").respond(401, json=body)

    with pytest.raises(GatewayError) as caught:
        await gateway.retrieve_intent(PI)

    assert route.call_count == 1
    assert_secret_kept(caught.value, caplog)


async def test_a_server_error_is_retried_with_one_key_then_unknown(
    stripe_api: respx.MockRouter, gateway: StripePaymentGateway, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    # The worst case: an answer that echoes the key (stripe-python logs answers verbatim).
    echo = httpx.Response(500, json=stripe_json.error("api_error", f"Bad key {SECRET}"))
    route = stripe_api.post("/v1/payment_intents").mock(return_value=echo)

    with pytest.raises(GatewayOutcomeUnknownError) as caught:
        await gateway.create_intent(order("pm_card_visa"), "pay_1:create")

    assert keys(route) == ["pay_1:create"] * 5
    assert_secret_kept(caught.value, caplog)
    assert "Bad key [redacted]" in caplog.text


async def test_a_timeout_after_sending_leaves_the_outcome_unknown(
    stripe_api: respx.MockRouter, gateway: StripePaymentGateway
) -> None:
    route = stripe_api.post(f"/v1/payment_intents/{PI}/capture").mock(side_effect=httpx.ReadTimeout)

    with pytest.raises(GatewayOutcomeUnknownError):
        await gateway.capture_intent(CaptureRequest(PI, USD_3), "pay_1:capture")

    assert keys(route) == ["pay_1:capture"] * 5


async def test_an_unreachable_stripe_did_nothing(
    stripe_api: respx.MockRouter, gateway: StripePaymentGateway
) -> None:
    route = stripe_api.post("/v1/payment_intents").mock(side_effect=httpx.ConnectError)

    with pytest.raises(GatewayError):
        await gateway.create_intent(order("pm_card_visa"), "pay_1:create")

    assert route.call_count == 5


async def test_once_an_attempt_may_have_acted_the_outcome_stays_unknown(
    stripe_api: respx.MockRouter, gateway: StripePaymentGateway
) -> None:
    effects = [httpx.ReadTimeout] + [httpx.ConnectError] * 4
    route = stripe_api.post("/v1/payment_intents").mock(side_effect=effects)

    with pytest.raises(GatewayOutcomeUnknownError):
        await gateway.create_intent(order("pm_card_visa"), "pay_1:create")

    assert keys(route) == ["pay_1:create"] * 5


@pytest.mark.parametrize(
    "transient",
    [
        httpx.Response(429, json=stripe_json.error("invalid_request_error", "Too many requests")),
        httpx.Response(
            409, json=stripe_json.error("invalid_request_error", "Locked", code="lock_timeout")
        ),
        SERVER_ERROR,
        httpx.ConnectError,
    ],
    ids=["429", "409-lock_timeout", "500", "connection"],
)
async def test_transient_failures_are_retried_with_the_same_key(
    stripe_api: respx.MockRouter,
    gateway: StripePaymentGateway,
    transient: httpx.Response | type[Exception],
) -> None:
    route = stripe_api.post("/v1/payment_intents").mock(side_effect=[transient, transient, OK])

    intent = await gateway.create_intent(order("pm_card_visa"), "pay_1:create")

    assert intent.gateway_payment_id == PI
    assert keys(route) == ["pay_1:create"] * 3


async def test_a_conflict_other_than_a_lock_is_not_retried(
    stripe_api: respx.MockRouter, gateway: StripePaymentGateway
) -> None:
    body = stripe_json.error("idempotency_error", "Another request with this key is running.")
    route = stripe_api.post("/v1/payment_intents").respond(409, json=body)

    with pytest.raises(GatewayOutcomeUnknownError):
        await gateway.create_intent(order("pm_card_visa"), "pay_1:create")

    assert route.call_count == 1


async def test_stripe_may_say_a_server_error_is_not_worth_retrying(
    stripe_api: respx.MockRouter, gateway: StripePaymentGateway
) -> None:
    final = httpx.Response(
        500,
        headers={"Stripe-Should-Retry": "false"},
        json=stripe_json.error("api_error", "Something went wrong."),
    )
    route = stripe_api.post("/v1/refunds").mock(return_value=final)

    with pytest.raises(GatewayOutcomeUnknownError):
        await gateway.create_refund(RefundRequest(PI, USD_3, None, "pay_1:refund:1"))

    assert route.call_count == 1


async def test_a_read_that_keeps_failing_is_a_gateway_error(
    stripe_api: respx.MockRouter, gateway: StripePaymentGateway
) -> None:
    route = stripe_api.get(f"/v1/payment_intents/{PI}").mock(return_value=SERVER_ERROR)

    with pytest.raises(GatewayError):
        await gateway.retrieve_intent(PI)

    assert route.call_count == 5
    assert "Idempotency-Key" not in route.calls.last.request.headers


async def test_ping_fails_as_a_gateway_error(
    stripe_api: respx.MockRouter, gateway: StripePaymentGateway
) -> None:
    stripe_api.get("/v1/balance").mock(side_effect=httpx.ConnectError)

    with pytest.raises(GatewayError):
        await gateway.ping()


def test_there_are_at_most_five_attempts() -> None:
    with pytest.raises(ValueError, match="max_retries"):
        StripePaymentGateway(SECRET, max_retries=5)


def test_the_backoff_doubles_with_jitter_up_to_its_cap() -> None:
    requests = StripeRequests(SECRET, 4, retry_delay=0.5, max_retry_delay=8.0)

    for attempt, ceiling in [(1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0), (6, 8.0)]:
        delays = [requests.backoff(attempt) for _ in range(50)]
        assert all(ceiling / 2 <= delay <= ceiling for delay in delays)
        assert len(set(delays)) > 1
