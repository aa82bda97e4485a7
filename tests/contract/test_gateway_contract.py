"""The PaymentGateway contract, run on the fake (its books in memory, SQLite and PostgreSQL)
and on the Stripe adapter against localstripe."""

from __future__ import annotations

from dataclasses import replace

import pytest

from application.errors import GatewayOutcomeUnknownError, GatewayRejectedError
from application.ports.gateway import CaptureRequest, RefundRequest
from domain.money import Money
from domain.statuses import PaymentStatus, RefundState
from tests.support.gateways import (  # noqa: F401
    USD_10,
    GatewayBackend,
    backend_fixture,
    localstripe_gap,
    order,
)
from tests.support.localstripe import (  # noqa: F401
    THIRD_PARTY_WARNINGS,
    localstripe_fixture,
    localstripe_server_fixture,
)
from tests.support.stores import postgres_url, sqlite_template  # noqa: F401

pytestmark = THIRD_PARTY_WARNINGS

NOT_RAISED = pytest.fail.Exception  # what pytest.raises raises when nothing was raised
STRIPE_DECLINE_CARDS = {
    "pm_card_chargeDeclined": "generic_decline",
    "pm_card_chargeDeclinedInsufficientFunds": "insufficient_funds",
}


async def test_a_manual_confirmation_holds_the_card(backend: GatewayBackend) -> None:
    intent = await backend.authorize()

    assert intent.status is PaymentStatus.REQUIRES_CAPTURE
    assert intent.amount == USD_10
    assert intent.charge_id and intent.client_secret and intent.payment_method


async def test_an_automatic_confirmation_takes_the_money(backend: GatewayBackend) -> None:
    intent = await backend.charge()

    assert intent.status is PaymentStatus.SUCCEEDED
    assert intent.charge_id


@localstripe_gap("its PaymentIntent has no amount_capturable nor amount_received", AssertionError)
async def test_the_intent_reports_what_is_held_and_what_was_taken(backend: GatewayBackend) -> None:
    held = await backend.authorize("pay_1:create")
    taken = await backend.charge("pay_2:create")
    captured = await backend.gateway.capture_intent(
        CaptureRequest(held.gateway_payment_id, Money(600, "USD")), "pay_1:capture"
    )

    assert (held.amount_capturable, taken.amount_received) == (1000, 1000)
    assert (captured.amount_received, captured.amount_capturable) == (600, 0)


async def test_a_partial_capture_settles_the_intent(backend: GatewayBackend) -> None:
    held = await backend.authorize()

    captured = await backend.gateway.capture_intent(
        CaptureRequest(held.gateway_payment_id, Money(600, "USD")), "pay_1:capture"
    )

    assert captured.status is PaymentStatus.SUCCEEDED
    assert captured.gateway_payment_id == held.gateway_payment_id


async def test_a_capture_cannot_exceed_the_hold(backend: GatewayBackend) -> None:
    held = await backend.authorize()

    with pytest.raises(GatewayRejectedError):
        await backend.gateway.capture_intent(
            CaptureRequest(held.gateway_payment_id, Money(2000, "USD")), "pay_1:capture"
        )


async def test_cancel_releases_the_hold(backend: GatewayBackend) -> None:
    held = await backend.authorize()

    canceled = await backend.gateway.cancel_intent(held.gateway_payment_id, None, "pay_1:cancel")

    assert canceled.status is PaymentStatus.CANCELED


@localstripe_gap(
    "POST /v1/payment_intents/{id}/cancel refuses cancellation_reason (400)", GatewayRejectedError
)
async def test_cancel_keeps_its_reason(backend: GatewayBackend) -> None:
    held = await backend.authorize()

    canceled = await backend.gateway.cancel_intent(
        held.gateway_payment_id, "requested_by_customer", "pay_1:cancel"
    )

    assert canceled.cancellation_reason == "requested_by_customer"


async def test_a_declined_card_fails_the_intent_without_raising(backend: GatewayBackend) -> None:
    intent = await backend.gateway.create_intent(order(backend.cards.declined), "pay_1:create")

    assert intent.status is PaymentStatus.FAILED
    assert intent.failure_code == "card_declined"
    assert intent.failure_message


@localstripe_gap("its declines carry no decline_code", AssertionError)
async def test_a_decline_names_the_issuer_reason(backend: GatewayBackend) -> None:
    intent = await backend.gateway.create_intent(order(backend.cards.declined), "pay_1:create")

    assert intent.decline_code


@pytest.mark.parametrize(("card", "code"), STRIPE_DECLINE_CARDS.items())
@localstripe_gap("it knows no such test payment method (404)", GatewayRejectedError)
async def test_stripes_decline_cards_fail(backend: GatewayBackend, card: str, code: str) -> None:
    intent = await backend.gateway.create_intent(order(card), "pay_1:create")

    assert (intent.status, intent.decline_code) == (PaymentStatus.FAILED, code)


async def test_a_3ds_card_asks_the_customer_to_authenticate(backend: GatewayBackend) -> None:
    intent = await backend.gateway.create_intent(
        order(backend.cards.three_d_secure), "pay_1:create"
    )

    assert intent.status is PaymentStatus.REQUIRES_ACTION
    assert intent.next_action and intent.client_secret


@localstripe_gap(
    "confirm with a payment_method answers 500 'Not implemented'", GatewayOutcomeUnknownError
)
async def test_an_open_intent_is_confirmed_with_a_card(backend: GatewayBackend) -> None:
    opened = await backend.gateway.create_intent(order(None, confirm=False), "pay_1:create")

    confirmed = await backend.gateway.confirm_intent(
        opened.gateway_payment_id, backend.cards.visa, "pay_1:confirm"
    )

    assert opened.status is PaymentStatus.REQUIRES_PAYMENT_METHOD
    assert confirmed.status is PaymentStatus.SUCCEEDED


async def test_retrieve_answers_what_the_gateway_holds(backend: GatewayBackend) -> None:
    held = await backend.authorize()

    found = await backend.gateway.retrieve_intent(held.gateway_payment_id)

    assert found.gateway_payment_id == held.gateway_payment_id
    assert (found.status, found.amount) == (PaymentStatus.REQUIRES_CAPTURE, USD_10)


async def test_an_unknown_intent_is_rejected(backend: GatewayBackend) -> None:
    with pytest.raises(GatewayRejectedError):
        await backend.gateway.retrieve_intent("pi_does_not_exist")


async def test_an_unknown_payment_method_is_rejected(backend: GatewayBackend) -> None:
    with pytest.raises(GatewayRejectedError):
        await backend.gateway.create_intent(order("pm_does_not_exist"), "pay_1:create")


@localstripe_gap(
    "it has no Search API (GET /v1/payment_intents/search is 404)", GatewayRejectedError
)
async def test_an_intent_is_found_by_the_payment_it_was_made_for(backend: GatewayBackend) -> None:
    made = await backend.charge("pay_1:create")  # its metadata names kassa_payment_id pay_1

    found = await backend.gateway.find_intent("pay_1")

    assert found is not None and found.gateway_payment_id == made.gateway_payment_id
    assert await backend.gateway.find_intent("pay_2") is None


@localstripe_gap("it ignores Idempotency-Key", AssertionError)
async def test_the_same_key_twice_creates_one_intent(backend: GatewayBackend) -> None:
    first = await backend.charge("pay_1:create")
    second = await backend.charge("pay_1:create")

    assert second.gateway_payment_id == first.gateway_payment_id
    assert await backend.count_intents() == 1


@localstripe_gap(
    "it refuses application_fee_amount, transfer_data and on_behalf_of (400)", GatewayRejectedError
)
async def test_a_connect_payment_carries_the_platform_fee(backend: GatewayBackend) -> None:
    fee, merchant = Money(30, "USD"), "acct_merchant"
    request = replace(order(backend.cards.visa), application_fee=fee, connected_account=merchant)

    intent = await backend.gateway.create_intent(request, "pay_1:create")

    assert intent.status is PaymentStatus.SUCCEEDED


async def test_several_partial_refunds_are_allowed(backend: GatewayBackend) -> None:
    paid = await backend.charge()

    first = await backend.gateway.create_refund(
        RefundRequest(paid.gateway_payment_id, Money(300, "USD"), None, "pay_1:refund:1")
    )
    second = await backend.gateway.create_refund(
        RefundRequest(paid.gateway_payment_id, Money(200, "USD"), None, "pay_1:refund:2")
    )
    found = await backend.gateway.retrieve_refund(second.gateway_refund_id)

    assert [first.amount, second.amount] == [Money(300, "USD"), Money(200, "USD")]
    assert {first.status, second.status} == {RefundState.SUCCEEDED}
    assert found == second
    assert first.gateway_payment_id == paid.gateway_payment_id


@localstripe_gap("it refunds more than was charged", NOT_RAISED)
async def test_a_refund_cannot_exceed_what_is_left(backend: GatewayBackend) -> None:
    paid = await backend.charge()
    await backend.gateway.create_refund(
        RefundRequest(paid.gateway_payment_id, Money(300, "USD"), None, "pay_1:refund:1")
    )

    with pytest.raises(GatewayRejectedError):
        await backend.gateway.create_refund(
            RefundRequest(paid.gateway_payment_id, Money(1000, "USD"), None, "pay_1:refund:2")
        )


@localstripe_gap("POST /v1/refunds refuses reason (400)", GatewayRejectedError)
async def test_a_refund_keeps_its_reason(backend: GatewayBackend) -> None:
    paid = await backend.charge()

    refund = await backend.gateway.create_refund(
        RefundRequest(
            paid.gateway_payment_id, Money(300, "USD"), "requested_by_customer", "pay_1:refund:1"
        )
    )

    assert refund.reason == "requested_by_customer"


async def test_a_charge_reports_its_fee_in_its_currency(backend: GatewayBackend) -> None:
    paid = await backend.charge()
    assert paid.charge_id

    fee = await backend.gateway.retrieve_charge_fee(paid.charge_id)

    assert fee is not None and fee.currency == "USD"


async def test_ping_answers(backend: GatewayBackend) -> None:
    await backend.gateway.ping()


async def test_a_customer_saves_lists_and_removes_cards(backend: GatewayBackend) -> None:
    gateway = backend.gateway
    customer = await gateway.create_customer("ada@example.com", "Ada", "cus_1:create")

    saved = await gateway.attach_payment_method(customer, "pm_card_visa", "cus_1:attach:1")
    listed = await gateway.list_payment_methods(customer)
    await gateway.set_default_payment_method(customer, saved.gateway_payment_method_id)
    await gateway.detach_payment_method(saved.gateway_payment_method_id)

    assert (saved.brand, saved.last4) == ("visa", "4242")
    assert 1 <= saved.exp_month <= 12 and saved.exp_year >= 2025
    assert list(listed) == [saved]
    assert await gateway.list_payment_methods(customer) == []


async def test_an_unknown_card_cannot_be_saved(backend: GatewayBackend) -> None:
    customer = await backend.gateway.create_customer("ada@example.com", None, "cus_1:create")

    with pytest.raises(GatewayRejectedError):
        await backend.gateway.attach_payment_method(customer, "pm_nope", "cus_1:attach:1")


@localstripe_gap(
    "it makes any existing card the default, attached to the customer or not", NOT_RAISED
)
async def test_only_a_saved_card_becomes_the_default(backend: GatewayBackend) -> None:
    gateway = backend.gateway
    ada = await gateway.create_customer("ada@example.com", None, "cus_1:create")
    bob = await gateway.create_customer("bob@example.com", None, "cus_2:create")
    bobs = await gateway.attach_payment_method(bob, "pm_card_visa", "cus_2:attach:1")

    with pytest.raises(GatewayRejectedError):
        await gateway.set_default_payment_method(ada, bobs.gateway_payment_method_id)


@localstripe_gap(
    "it has no Billing Portal (404 on /v1/billing_portal/sessions)", GatewayRejectedError
)
async def test_the_billing_portal_gives_a_link(backend: GatewayBackend) -> None:
    customer = await backend.gateway.create_customer("ada@example.com", None, "cus_1:create")

    url = await backend.gateway.create_portal_session(customer, "https://shop.example/account")

    assert url.startswith(("https://", "http://"))


async def test_a_refund_is_found_again_by_kassas_refund_id(backend: GatewayBackend) -> None:
    """How reconciliation settles a refund whose answer was lost (SPEC §3)."""
    paid = await backend.charge()
    intent_id = paid.gateway_payment_id
    other = await backend.gateway.create_refund(
        RefundRequest(intent_id, Money(100, "USD"), None, "pay_1:refund:re_a", refund_id="re_a")
    )
    made = await backend.gateway.create_refund(
        RefundRequest(intent_id, Money(200, "USD"), None, "pay_1:refund:re_b", refund_id="re_b")
    )

    found = await backend.gateway.find_refund(intent_id, "re_b")

    assert found is not None and found.gateway_refund_id == made.gateway_refund_id
    assert (found.amount, found.kassa_refund_id) == (Money(200, "USD"), "re_b")
    assert made.kassa_refund_id == "re_b" and other.kassa_refund_id == "re_a"
    assert await backend.gateway.find_refund(intent_id, "re_never_sent") is None
