"""Bad input gets its own envelope and status, never a 500, and writes nothing (§9)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import OTHER_TENANT, Api, payment_body

BAD_BODIES: list[tuple[str, Any, str, str | None]] = [
    # (case, body, error code, param)
    ("fractional amount", payment_body(amount=10.5), "parameter_invalid", "amount"),
    ("integral float amount", payment_body(amount=1000.0), "parameter_invalid", "amount"),
    ("negative amount", payment_body(amount=-100), "parameter_invalid", "amount"),
    ("zero amount", payment_body(amount=0), "parameter_invalid", "amount"),
    ("amount as a string", payment_body(amount="1000"), "parameter_invalid", "amount"),
    ("amount as a boolean", payment_body(amount=True), "parameter_invalid", "amount"),
    ("amount below the minimum", payment_body(amount=10), "amount_too_small", "amount"),
    ("unknown currency", payment_body(currency="xyz"), "unknown_currency", "currency"),
    (
        "currency not three letters",
        payment_body(currency="usdollar"),
        "parameter_invalid",
        "currency",
    ),
    ("unknown field", payment_body(surprise=1), "parameter_unknown", "surprise"),
    ("missing field", {"amount": 1000, "currency": "usd"}, "parameter_missing", "order_id"),
    ("metadata not strings", payment_body(metadata={"n": 1}), "parameter_invalid", "metadata"),
    (
        "allow_additional as a string",
        payment_body(allow_additional="yes"),
        "parameter_invalid",
        "allow_additional",
    ),
    ("a list, not an object", [payment_body()], "parameter_invalid", None),
]


@pytest.mark.parametrize(
    ("body", "code", "param"),
    [case[1:] for case in BAD_BODIES],
    ids=[case[0] for case in BAD_BODIES],
)
async def test_a_bad_payment_body_is_400_and_stores_nothing(
    api: Api, body: Any, code: str, param: str | None
) -> None:
    response = await api.client.post(
        "/api/v1/payments/charge",
        json=body,
        headers=api.headers(key="key-bad"),
    )
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert (error["type"], error["code"], error["param"]) == ("invalid_request_error", code, param)
    assert error["message"]
    assert await api.stored_payments() == 0
    assert not await api.key_saved("key-bad")


@pytest.mark.parametrize("content", [b"", b"null", b'"text"'], ids=["empty", "null", "string"])
async def test_a_body_that_is_not_an_object_is_400(api: Api, content: bytes) -> None:
    response = await api.client.post(
        "/api/v1/payments/charge",
        content=content,
        headers={**api.headers(), "Content-Type": "application/json"},
    )
    assert response.status_code == 400, response.text
    assert response.json()["error"]["type"] == "invalid_request_error"
    assert await api.stored_payments() == 0


async def test_malformed_json_is_400(api: Api) -> None:
    response = await api.client.post(
        "/api/v1/payments/charge",
        content=b'{"order_id": "ord_1", "amount": 10',
        headers={**api.headers(key="key-json"), "Content-Type": "application/json"},
    )
    assert response.status_code == 400, response.text
    assert response.json()["error"]["type"] == "invalid_request_error"
    assert response.json()["error"]["code"] == "invalid_json"
    assert await api.stored_payments() == 0
    assert not await api.key_saved("key-json")


@pytest.mark.parametrize(
    ("path", "body", "param"),
    [
        ("capture", {"amount": 1.5}, "amount"),
        ("capture", {"amount": "500"}, "amount"),
        ("cancel", {"cancellation_reason": "bored"}, "cancellation_reason"),
        ("refunds", {"reason": "because"}, "reason"),
        ("refunds", {"amount": -1}, "amount"),
        ("confirm", {"payment_method": 42}, "payment_method"),
    ],
)
async def test_bad_action_bodies_are_400_naming_the_field(
    api: Api, path: str, body: dict[str, Any], param: str
) -> None:
    pay_id = (await api.post("/payments/authorize", payment_body())).json()["id"]
    response = await api.post(f"/payments/{pay_id}/{path}", body, role="merchant_admin")
    assert response.status_code == 400, response.text
    assert response.json()["error"]["param"] == param
    assert (await api.get(f"/payments/{pay_id}")).json()["status"] == "requires_capture"


async def test_an_unknown_payment_method_is_400_and_no_payment_is_kept(api: Api) -> None:
    body = payment_body(payment_method="pm_card_nope")
    response = await api.post("/payments/charge", body)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert (error["type"], error["param"]) == ("invalid_request_error", "payment_method")
    assert await api.stored_payments() == 0


async def test_an_unknown_payment_method_is_not_saved_under_its_key(api: Api) -> None:
    body = payment_body(payment_method="pm_card_nope")
    first = await api.post("/payments/charge", body, key="key-nope")
    again = await api.post("/payments/charge", body, key="key-nope")
    assert (first.status_code, again.status_code) == (400, 400), again.text
    assert again.json()["error"]["param"] == "payment_method"
    assert await api.stored_payments() == 0
    assert not await api.key_saved("key-nope")


@pytest.mark.parametrize("store_kind", ["memory", "sqlite"])
@pytest.mark.parametrize("whose", ["another tenant's", "nobody's"])
async def test_a_customer_not_of_the_tenant_is_404_and_no_payment_is_kept(
    api: Api, whose: str
) -> None:
    theirs = await api.post(
        "/customers", {"email": "c@example.com"}, role="merchant_admin", tenant=OTHER_TENANT
    )
    customer_id = theirs.json()["id"] if whose == "another tenant's" else "cus_nobody"

    response = await api.post(
        "/payments/charge", payment_body(customer_id=customer_id), key="key-cus"
    )

    assert response.status_code == 404, response.text
    error = response.json()["error"]
    assert (error["type"], error["code"], error["param"]) == (
        "not_found",
        "resource_missing",
        "customer_id",
    )
    assert await api.stored_payments() == 0
    assert not await api.key_saved("key-cus")
    assert api.gateway_calls("create_intent") == 0
