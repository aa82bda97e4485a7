"""The Stripe adapter at the HTTP layer, for what localstripe cannot serve: the exact form
Stripe receives, its headers, and how Stripe's answers are read (respx, Stripe-shaped JSON)."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import parse_qsl

import httpx
import pytest
import respx

from adapters.gateways.stripe_gateway import StripePaymentGateway
from application.ports.gateway import CaptureRequest, RefundRequest
from domain.capture_method import CaptureMethod
from domain.money import Money
from domain.statuses import PaymentStatus, RefundState
from tests.support import stripe_responses as stripe_json
from tests.support.gateways import order
from tests.support.localstripe import THIRD_PARTY_WARNINGS
from tests.support.stripe_responses import SECRET

pytestmark = THIRD_PARTY_WARNINGS

PI = "pi_3QkassaTest0001"


def form(request: httpx.Request) -> dict[str, str]:
    return dict(parse_qsl(request.content.decode(), keep_blank_values=True))


async def test_a_connect_charge_sends_the_platform_fee_to_the_merchant(
    stripe_api: respx.MockRouter, gateway: StripePaymentGateway
) -> None:
    answer = stripe_json.payment_intent(
        status="succeeded", amount_received=1000, latest_charge="ch_3QkassaTest0001"
    )
    route = stripe_api.post("/v1/payment_intents").respond(200, json=answer)
    request = replace(
        order("pm_card_visa"),
        gateway_customer_id="cus_RkassaTest0001",
        description="Order 1",
        application_fee=Money(59, "USD"),
        connected_account="acct_1Merchant",
    )

    intent = await gateway.create_intent(request, "pay_1:create")

    sent = route.calls.last.request
    assert form(sent) == {
        "amount": "1000",
        "currency": "usd",
        "capture_method": "automatic",
        "payment_method_types[0]": "card",
        "confirm": "true",
        "payment_method": "pm_card_visa",
        "customer": "cus_RkassaTest0001",
        "description": "Order 1",
        "metadata[order_id]": "ord_1",
        "metadata[kassa_payment_id]": "pay_1",
        "transfer_data[destination]": "acct_1Merchant",
        "on_behalf_of": "acct_1Merchant",
        "application_fee_amount": "59",
    }
    assert sent.headers["Idempotency-Key"] == "pay_1:create"
    assert sent.headers["Authorization"] == f"Bearer {SECRET}"
    # A destination charge lives on the platform: no call may name the merchant's account.
    assert "Stripe-Account" not in sent.headers
    assert (intent.status, intent.amount_received, intent.charge_id) == (
        PaymentStatus.SUCCEEDED,
        1000,
        "ch_3QkassaTest0001",
    )


async def test_a_manual_capture_sends_the_amount_and_the_fee(
    stripe_api: respx.MockRouter, gateway: StripePaymentGateway
) -> None:
    answer = stripe_json.payment_intent(
        status="succeeded", capture_method="manual", amount_received=600
    )
    route = stripe_api.post(f"/v1/payment_intents/{PI}/capture").respond(200, json=answer)

    intent = await gateway.capture_intent(
        CaptureRequest(PI, Money(600, "USD"), application_fee=Money(18, "USD")), "pay_1:capture"
    )

    sent = route.calls.last.request
    assert form(sent) == {"amount_to_capture": "600", "application_fee_amount": "18"}
    assert sent.headers["Idempotency-Key"] == "pay_1:capture"
    assert (intent.status, intent.amount_received, intent.amount_capturable) == (
        PaymentStatus.SUCCEEDED,
        600,
        0,
    )


async def test_an_authorization_reports_what_it_holds(
    stripe_api: respx.MockRouter, gateway: StripePaymentGateway
) -> None:
    answer = stripe_json.payment_intent(status="requires_capture", amount_capturable=1000)
    route = stripe_api.post("/v1/payment_intents").respond(200, json=answer)

    intent = await gateway.create_intent(order("pm_card_visa", CaptureMethod.MANUAL), "k")

    assert form(route.calls.last.request)["capture_method"] == "manual"
    assert (intent.status, intent.amount_capturable) == (PaymentStatus.REQUIRES_CAPTURE, 1000)


@pytest.mark.parametrize(
    ("reason", "sent_reason"),
    [("requested_by_customer", "requested_by_customer"), ("automatic", "abandoned")],
)
async def test_cancel_sends_stripes_reason_and_reads_it_back(
    stripe_api: respx.MockRouter, gateway: StripePaymentGateway, reason: str, sent_reason: str
) -> None:
    answer = stripe_json.payment_intent(status="canceled", cancellation_reason=sent_reason)
    route = stripe_api.post(f"/v1/payment_intents/{PI}/cancel").respond(200, json=answer)

    intent = await gateway.cancel_intent(PI, reason, "pay_1:cancel")

    assert form(route.calls.last.request) == {"cancellation_reason": sent_reason}
    assert route.calls.last.request.headers["Idempotency-Key"] == "pay_1:cancel"
    assert (intent.status, intent.cancellation_reason) == (PaymentStatus.CANCELED, sent_reason)


async def test_a_lost_intent_is_found_by_searching_its_metadata(
    stripe_api: respx.MockRouter, gateway: StripePaymentGateway
) -> None:
    hit = stripe_json.payment_intent(status="succeeded", metadata={"kassa_payment_id": "pay_1"})
    results = {**stripe_json.listed(hit), "object": "search_result", "next_page": None}
    route = stripe_api.get("/v1/payment_intents/search").respond(200, json=results)

    found = await gateway.find_intent("pay_1")

    assert route.calls.last.request.url.params["query"] == "metadata['kassa_payment_id']:'pay_1'"
    assert found is not None and found.gateway_payment_id == PI


async def test_a_connect_refund_asks_for_the_fee_and_the_transfer_back(
    stripe_api: respx.MockRouter, gateway: StripePaymentGateway
) -> None:
    answer = stripe_json.refund(reason="requested_by_customer")
    route = stripe_api.post("/v1/refunds").respond(200, json=answer)

    refund = await gateway.create_refund(
        RefundRequest(PI, Money(300, "USD"), "requested_by_customer", "pay_1:refund:1", True)
    )

    sent = route.calls.last.request
    assert form(sent) == {
        "payment_intent": PI,
        "amount": "300",
        "reason": "requested_by_customer",
        "refund_application_fee": "true",
        "reverse_transfer": "true",
    }
    assert sent.headers["Idempotency-Key"] == "pay_1:refund:1"
    assert (refund.gateway_payment_id, refund.amount, refund.status, refund.reason) == (
        PI,
        Money(300, "USD"),
        RefundState.SUCCEEDED,
        "requested_by_customer",
    )


async def test_the_billing_portal_answers_a_session_url(
    stripe_api: respx.MockRouter, gateway: StripePaymentGateway
) -> None:
    route = stripe_api.post("/v1/billing_portal/sessions").respond(
        200, json=stripe_json.portal_session()
    )

    url = await gateway.create_portal_session("cus_RkassaTest0001", "https://shop.example/account")

    sent = route.calls.last.request
    assert form(sent) == {
        "customer": "cus_RkassaTest0001",
        "return_url": "https://shop.example/account",
    }
    assert sent.headers["Idempotency-Key"].startswith("kassa-")
    assert url == "https://billing.stripe.com/p/session/test_YWNjdF8xUWthc3Nh"


async def test_a_decline_is_a_failed_intent_read_from_the_error(
    stripe_api: respx.MockRouter, gateway: StripePaymentGateway
) -> None:
    message = "Your card has insufficient funds."
    body = stripe_json.error(
        "card_error",
        message,
        code="card_declined",
        decline_code="insufficient_funds",
        charge="ch_3QkassaTest0009",
        payment_intent=stripe_json.declined_intent("insufficient_funds", message),
    )
    route = stripe_api.post(f"/v1/payment_intents/{PI}/confirm").respond(402, json=body)

    intent = await gateway.confirm_intent(PI, "pm_card_visa", "pay_1:confirm")

    assert form(route.calls.last.request) == {"payment_method": "pm_card_visa"}
    assert route.call_count == 1  # neither retried nor looked up again
    assert (intent.status, intent.failure_code, intent.decline_code) == (
        PaymentStatus.FAILED,
        "card_declined",
        "insufficient_funds",
    )
    assert intent.failure_message == message


async def test_the_charge_fee_comes_from_its_balance_transaction(
    stripe_api: respx.MockRouter, gateway: StripePaymentGateway
) -> None:
    answer = stripe_json.charge(balance_transaction=stripe_json.balance_transaction(fee=59))
    route = stripe_api.get("/v1/charges/ch_3QkassaTest0001").respond(200, json=answer)

    fee = await gateway.retrieve_charge_fee("ch_3QkassaTest0001")

    assert route.calls.last.request.url.params["expand[0]"] == "balance_transaction"
    assert fee == Money(59, "USD")


async def test_saved_cards_are_listed_across_pages(
    stripe_api: respx.MockRouter, gateway: StripePaymentGateway
) -> None:
    visa = stripe_json.card_payment_method("pm_1Visa", "visa", "4242")
    amex = stripe_json.card_payment_method("pm_2Amex", "amex", "8431")
    route = stripe_api.get("/v1/payment_methods").mock(
        side_effect=[
            httpx.Response(200, json=stripe_json.listed(visa, has_more=True)),
            httpx.Response(200, json=stripe_json.listed(amex)),
        ]
    )

    cards = await gateway.list_payment_methods("cus_RkassaTest0001")

    first, second = (call.request.url.params for call in route.calls)
    assert dict(first) == {"customer": "cus_RkassaTest0001", "type": "card", "limit": "100"}
    assert second["starting_after"] == "pm_1Visa"
    assert [(c.brand, c.last4, c.exp_month, c.exp_year) for c in cards] == [
        ("visa", "4242", 8, 2031),
        ("amex", "8431", 8, 2031),
    ]


async def test_the_default_card_goes_into_invoice_settings(
    stripe_api: respx.MockRouter, gateway: StripePaymentGateway
) -> None:
    answer = stripe_json.customer(invoice_settings={"default_payment_method": "pm_1Visa"})
    route = stripe_api.post("/v1/customers/cus_RkassaTest0001").respond(200, json=answer)

    await gateway.set_default_payment_method("cus_RkassaTest0001", "pm_1Visa")

    assert form(route.calls.last.request) == {
        "invoice_settings[default_payment_method]": "pm_1Visa"
    }


async def test_customers_and_saved_cards_carry_the_callers_key(
    stripe_api: respx.MockRouter, gateway: StripePaymentGateway
) -> None:
    customers = stripe_api.post("/v1/customers").respond(200, json=stripe_json.customer())
    visa = stripe_json.card_payment_method("pm_1Visa", "visa", "4242")
    attach = stripe_api.post("/v1/payment_methods/pm_card_visa/attach").respond(200, json=visa)

    customer = await gateway.create_customer("ada@example.com", "Ada", "cus_1:create")
    saved = await gateway.attach_payment_method(customer, "pm_card_visa", "cus_1:attach:1")

    assert form(customers.calls.last.request) == {"email": "ada@example.com", "name": "Ada"}
    assert customers.calls.last.request.headers["Idempotency-Key"] == "cus_1:create"
    assert form(attach.calls.last.request) == {"customer": "cus_RkassaTest0001"}
    assert attach.calls.last.request.headers["Idempotency-Key"] == "cus_1:attach:1"
    assert (saved.gateway_payment_method_id, saved.brand, saved.last4) == (
        "pm_1Visa",
        "visa",
        "4242",
    )
