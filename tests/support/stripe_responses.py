"""Stripe API answers for HTTP-level tests, shaped field for field after the example objects
Stripe publishes with its OpenAPI description (stripe/openapi `fixtures3.json`, API 2023+:
`latest_charge`, no `charges` list), with the values a given test needs."""

from __future__ import annotations

from typing import Any

API = "https://api.stripe.com"
SECRET = "sk_test_51KassaHttpSecretKey0000000000"  # a test key: never a real account's


def payment_intent(**changes: Any) -> dict[str, Any]:
    intent: dict[str, Any] = {
        "id": "pi_3QkassaTest0001",
        "object": "payment_intent",
        "amount": 1000,
        "amount_capturable": 0,
        "amount_details": {"tip": {}},
        "amount_received": 0,
        "application": None,
        "application_fee_amount": None,
        "automatic_payment_methods": None,
        "canceled_at": None,
        "cancellation_reason": None,
        "capture_method": "automatic",
        "client_secret": "pi_3QkassaTest0001_secret_QmVyeVNlY3JldA",
        "confirmation_method": "automatic",
        "created": 1735689600,
        "currency": "usd",
        "customer": None,
        "description": None,
        "last_payment_error": None,
        "latest_charge": None,
        "livemode": False,
        "metadata": {},
        "next_action": None,
        "on_behalf_of": None,
        "payment_method": None,
        "payment_method_options": {},
        "payment_method_types": ["card"],
        "processing": None,
        "receipt_email": None,
        "review": None,
        "setup_future_usage": None,
        "shipping": None,
        "statement_descriptor": None,
        "statement_descriptor_suffix": None,
        "status": "requires_payment_method",
        "transfer_data": None,
        "transfer_group": None,
    }
    intent.update(changes)
    return intent


def refund(**changes: Any) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "id": "re_3QkassaTest0001",
        "object": "refund",
        "amount": 300,
        "balance_transaction": "txn_3QkassaTest0002",
        "charge": "ch_3QkassaTest0001",
        "created": 1735689600,
        "currency": "usd",
        "metadata": {},
        "payment_intent": "pi_3QkassaTest0001",
        "reason": None,
        "receipt_number": None,
        "source_transfer_reversal": None,
        "status": "succeeded",
        "transfer_reversal": None,
    }
    answer.update(changes)
    return answer


def balance_transaction(**changes: Any) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "id": "txn_3QkassaTest0001",
        "object": "balance_transaction",
        "amount": 1000,
        "available_on": 1736294400,
        "created": 1735689600,
        "currency": "usd",
        "description": None,
        "exchange_rate": None,
        "fee": 59,
        "fee_details": [
            {"amount": 59, "application": None, "currency": "usd", "type": "stripe_fee"}
        ],
        "net": 941,
        "reporting_category": "charge",
        "source": "ch_3QkassaTest0001",
        "status": "pending",
        "type": "charge",
    }
    answer.update(changes)
    return answer


def charge(**changes: Any) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "id": "ch_3QkassaTest0001",
        "object": "charge",
        "amount": 1000,
        "amount_captured": 1000,
        "amount_refunded": 0,
        "balance_transaction": "txn_3QkassaTest0001",
        "captured": True,
        "currency": "usd",
        "failure_code": None,
        "failure_message": None,
        "paid": True,
        "payment_intent": "pi_3QkassaTest0001",
        "payment_method": "pm_3QkassaTest0001",
        "refunded": False,
        "status": "succeeded",
    }
    answer.update(changes)
    return answer


def card_payment_method(pm_id: str, brand: str, last4: str, **changes: Any) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "id": pm_id,
        "object": "payment_method",
        "billing_details": {"address": None, "email": None, "name": None, "phone": None},
        "card": {
            "brand": brand,
            "checks": {"address_line1_check": None, "cvc_check": "pass"},
            "country": "US",
            "exp_month": 8,
            "exp_year": 2031,
            "fingerprint": "Xt5EWLLDS7FJjR1c",
            "funding": "credit",
            "last4": last4,
            "three_d_secure_usage": {"supported": True},
            "wallet": None,
        },
        "created": 1735689600,
        "customer": None,
        "livemode": False,
        "metadata": {},
        "type": "card",
    }
    answer.update(changes)
    return answer


def listed(*items: dict[str, Any], has_more: bool = False) -> dict[str, Any]:
    return {"object": "list", "data": list(items), "has_more": has_more, "url": "/v1/x"}


def customer(**changes: Any) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "id": "cus_RkassaTest0001",
        "object": "customer",
        "email": "ada@example.com",
        "invoice_settings": {"default_payment_method": None},
        "livemode": False,
        "metadata": {},
        "name": "Ada",
    }
    answer.update(changes)
    return answer


def portal_session(**changes: Any) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "id": "bps_1QkassaTest0001",
        "object": "billing_portal.session",
        "configuration": "bpc_1QkassaTest0001",
        "created": 1735689600,
        "customer": "cus_RkassaTest0001",
        "flow": None,
        "livemode": False,
        "locale": None,
        "on_behalf_of": None,
        "return_url": "https://shop.example/account",
        "url": "https://billing.stripe.com/p/session/test_YWNjdF8xUWthc3Nh",
    }
    answer.update(changes)
    return answer


def error(kind: str, message: str, **fields: Any) -> dict[str, Any]:
    """Stripe's error envelope (`type` is api_error, card_error, idempotency_error,
    invalid_request_error, …)."""
    return {"error": {"type": kind, "message": message, **fields}}


def declined_intent(decline_code: str, message: str) -> dict[str, Any]:
    """A confirmed intent whose card was declined: Stripe sends it back to
    requires_payment_method with the error in last_payment_error."""
    failure = {
        "charge": "ch_3QkassaTest0009",
        "code": "card_declined",
        "decline_code": decline_code,
        "doc_url": "https://stripe.com/docs/error-codes/card-declined",
        "message": message,
        "type": "card_error",
    }
    return payment_intent(
        status="requires_payment_method",
        payment_method=None,
        latest_charge="ch_3QkassaTest0009",
        last_payment_error=failure,
    )
