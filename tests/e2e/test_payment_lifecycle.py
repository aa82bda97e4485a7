"""A payment's life over HTTP: authorize, capture, refund, cancel, charge, intents (§3)."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import Api, payment_body

ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


@pytest.mark.parametrize(
    "store_kind", ["memory", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
async def test_authorize_capture_refund_and_the_refusals_that_follow(api: Api) -> None:
    created = await api.post("/payments/authorize", payment_body("ord_life", 10_000))
    assert created.status_code == 201, created.text
    payment = created.json()
    assert payment["object"] == "payment"
    assert payment["status"] == "requires_capture"
    assert payment["currency"] == "usd"
    assert payment["capture_method"] == "manual"
    assert payment["amount_capturable"] == 10_000
    assert payment["client_secret"]
    assert ISO_UTC.match(payment["created_at"]) and ISO_UTC.match(payment["updated_at"])
    pay_id = payment["id"]

    captured = await api.post(f"/payments/{pay_id}/capture", {"amount": 6_000})
    assert captured.status_code == 200, captured.text
    body = captured.json()
    assert body["status"] == "succeeded"
    assert (body["amount_captured"], body["amount_capturable"]) == (6_000, 0)
    # starter tier 3 % = 180; Stripe estimate 2.9 % + 30 = 204; net = 6000 - 180 - 204
    assert (body["platform_fee"], body["gateway_fee"], body["net_amount"]) == (180, 204, 5_616)
    assert body["gateway_fee_source"] == "estimated"
    assert "client_secret" not in body

    first = await api.post(f"/payments/{pay_id}/refunds", {"amount": 2_000}, role="merchant_admin")
    assert first.status_code == 201, first.text
    refund = first.json()
    assert refund["object"] == "refund"
    assert (refund["amount"], refund["status"], refund["platform_fee_reversed"]) == (
        2_000,
        "succeeded",
        60,
    )
    assert ISO_UTC.match(refund["created_at"])

    second = await api.post(
        f"/payments/{pay_id}/refunds",
        {"amount": 1_000, "reason": "requested_by_customer"},
        role="merchant_admin",
    )
    assert second.status_code == 201, second.text
    assert second.json()["reason"] == "requested_by_customer"

    shown = (await api.get(f"/payments/{pay_id}")).json()
    assert shown["amount_refunded"] == 3_000
    assert shown["refund_status"] == "partial"
    assert [r["platform_fee_reversed"] for r in shown["refunds"]] == [60, 30]
    assert shown["dispute_status"] == "none"

    over = await api.post(f"/payments/{pay_id}/refunds", {"amount": 5_000}, role="merchant_admin")
    assert over.status_code in (400, 409), over.text
    assert over.json()["error"]["param"] == "amount"
    assert over.json()["error"]["code"] == "refund_exceeds_captured"

    cancel = await api.post(f"/payments/{pay_id}/cancel", {"cancellation_reason": "duplicate"})
    assert cancel.status_code == 409, cancel.text
    assert cancel.json()["error"]["type"] == "conflict"
    assert (await api.get(f"/payments/{pay_id}")).json()["status"] == "succeeded"


async def test_a_charge_captures_at_once(api: Api) -> None:
    customer = await api.post("/customers", {"email": "c@example.com"}, role="merchant_admin")
    cus_1 = customer.json()["id"]
    response = await api.post(
        "/payments/charge",
        payment_body("ord_charge", 2_500, customer_id=cus_1, metadata={"cart": "42"}),
    )
    assert response.status_code == 201, response.text
    payment = response.json()
    assert (payment["status"], payment["capture_method"]) == ("succeeded", "automatic")
    assert payment["amount_captured"] == 2_500
    assert payment["metadata"] == {"cart": "42"}
    assert payment["customer_id"] == cus_1


async def test_an_authorization_can_be_canceled_with_a_reason(api: Api) -> None:
    pay_id = (await api.post("/payments/authorize", payment_body("ord_cancel"))).json()["id"]
    response = await api.post(f"/payments/{pay_id}/cancel", {"cancellation_reason": "abandoned"})
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "canceled"
    assert response.json()["cancellation_reason"] == "abandoned"
    assert response.json()["amount_capturable"] == 0


async def test_an_intent_is_confirmed_later(api: Api) -> None:
    body = payment_body("ord_intent", 4_200)
    del body["payment_method"]
    created = await api.post("/payments/intent", body)
    assert created.status_code == 201, created.text
    intent = created.json()
    assert intent["status"] == "requires_payment_method"
    assert intent["client_secret"]
    assert "client_secret" not in (await api.get(f"/payments/{intent['id']}")).json()

    confirmed = await api.post(
        f"/payments/{intent['id']}/confirm", {"payment_method": "pm_card_visa"}
    )
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["status"] == "succeeded"
    assert confirmed.json()["amount_captured"] == 4_200


async def test_a_manual_intent_confirms_into_an_authorization(api: Api) -> None:
    body = payment_body("ord_manual", capture_method="manual")
    del body["payment_method"]
    pay_id = (await api.post("/payments/intent", body)).json()["id"]
    confirmed = await api.post(f"/payments/{pay_id}/confirm", {"payment_method": "pm_card_visa"})
    assert confirmed.json()["status"] == "requires_capture"


async def test_three_d_secure_requires_an_action_with_its_client_secret(api: Api) -> None:
    response = await api.post(
        "/payments/charge", payment_body("ord_3ds", payment_method="pm_card_threeDSecureRequired")
    )
    assert response.status_code == 201, response.text
    payment = response.json()
    assert payment["status"] == "requires_action"
    assert payment["next_action"]["type"] == "redirect_to_url"
    page = payment["next_action"]["redirect_to_url"]["url"]
    assert "/fake-gateway/3ds/" in page  # the fake gateway's own 3-D Secure page
    assert payment["client_secret"]
    shown = (await api.get(f"/payments/{payment['id']}")).json()
    assert shown["client_secret"] == payment["client_secret"]
    assert shown["next_action"] == payment["next_action"]


@pytest.mark.parametrize(
    ("method", "decline_code"),
    [
        ("pm_card_chargeDeclined", "generic_decline"),
        ("pm_card_chargeDeclinedInsufficientFunds", "insufficient_funds"),
    ],
)
async def test_a_decline_is_a_card_error_and_the_failed_payment_is_kept(
    api: Api, method: str, decline_code: str
) -> None:
    response = await api.post(
        "/payments/charge", payment_body("ord_decline", payment_method=method)
    )
    assert response.status_code == 402, response.text
    error = response.json()["error"]
    assert (error["type"], error["code"], error["decline_code"]) == (
        "card_error",
        "card_declined",
        decline_code,
    )
    assert error["message"]
    kept = await api.get(f"/payments/{error['payment_id']}")
    assert kept.status_code == 200
    assert kept.json()["status"] == "failed"
    assert kept.json()["failure_code"] == "card_declined"
    assert kept.json()["failure_message"] == error["message"]
    # A declined attempt does not block paying the order with another card.
    retry = await api.post("/payments/charge", payment_body("ord_decline"))
    assert retry.status_code == 201, retry.text


async def test_an_unknown_gateway_outcome_answers_202_processing(api: Api) -> None:
    response = await api.post(
        "/payments/charge", payment_body("ord_timeout", payment_method="pm_card_timeout")
    )
    assert response.status_code == 202, response.text
    assert response.json()["status"] == "processing"
    assert response.json()["outcome_unknown"] is True


async def test_a_second_payment_for_a_paid_order_needs_allow_additional(api: Api) -> None:
    assert (await api.post("/payments/authorize", payment_body("ord_dup"))).status_code == 201
    duplicate = await api.post("/payments/authorize", payment_body("ord_dup"))
    assert duplicate.status_code == 409, duplicate.text
    assert duplicate.json()["error"]["code"] == "duplicate_payment"
    assert duplicate.json()["error"]["type"] == "conflict"
    assert duplicate.json()["error"]["param"] == "order_id"
    additional = await api.post("/payments/charge", payment_body("ord_dup", allow_additional=True))
    assert additional.status_code == 201, additional.text
    listed = (await api.get("/orders/ord_dup/payments")).json()
    assert listed["object"] == "list"
    assert len(listed["data"]) == 2


async def test_capturing_more_than_authorized_is_refused(api: Api) -> None:
    pay_id = (await api.post("/payments/authorize", payment_body("ord_big", 1_000))).json()["id"]
    response = await api.post(f"/payments/{pay_id}/capture", {"amount": 1_001})
    assert response.status_code == 400, response.text
    assert response.json()["error"]["param"] == "amount"
    full = await api.post(f"/payments/{pay_id}/capture")
    assert full.json()["amount_captured"] == 1_000
    again = await api.post(f"/payments/{pay_id}/capture")
    assert again.status_code == 409
