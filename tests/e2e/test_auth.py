"""Bearer JWTs and roles (§9): 401 for a bad token, 403 for a missing role."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.e2e.conftest import Api, payment_body


async def charge_with(api: Api, authorization: str | None) -> tuple[int, dict[str, object]]:
    headers = {} if authorization is None else {"Authorization": authorization}
    before = await api.stored_payments()
    response = await api.client.post(
        "/api/v1/payments/charge", json=payment_body(), headers=headers
    )
    assert await api.stored_payments() == before
    return response.status_code, response.json()["error"]


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Bearer",
        "Basic dXNlcjpwYXNz",
        "Bearer not-a-jwt",
    ],
)
async def test_a_missing_or_malformed_token_is_401(api: Api, authorization: str | None) -> None:
    status, error = await charge_with(api, authorization)
    assert (status, error["type"]) == (401, "authentication_error")


async def test_a_token_signed_with_another_secret_is_401(api: Api) -> None:
    forged = api.token("merchant_admin", secret="x" * 40)
    status, error = await charge_with(api, f"Bearer {forged}")
    assert (status, error["type"], error["code"]) == (401, "authentication_error", "invalid_token")


async def test_an_expired_token_is_401(api: Api) -> None:
    expired = api.token("merchant", ttl=timedelta(minutes=-5))
    status, error = await charge_with(api, f"Bearer {expired}")
    assert (status, error["type"]) == (401, "authentication_error")


async def test_a_401_challenges_for_a_bearer_token(api: Api) -> None:
    response = await api.client.get("/api/v1/payments")
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_a_merchant_cannot_refund(api: Api) -> None:
    pay_id = (await api.post("/payments/charge", payment_body())).json()["id"]
    response = await api.post(f"/payments/{pay_id}/refunds", {"amount": 100}, role="merchant")
    assert response.status_code == 403, response.text
    assert response.json()["error"]["type"] == "permission_error"
    assert (await api.get(f"/payments/{pay_id}")).json()["amount_refunded"] == 0


async def test_a_platform_admin_is_not_a_merchant(api: Api) -> None:
    created = await api.post("/payments/charge", payment_body(), role="platform_admin")
    assert created.status_code == 403
    assert created.json()["error"]["type"] == "permission_error"
    listed = await api.get("/payments", role="platform_admin")
    assert listed.status_code == 403
    assert await api.stored_payments() == 0


async def test_a_merchant_admin_is_a_merchant_too(api: Api) -> None:
    response = await api.post("/payments/charge", payment_body(), role="merchant_admin")
    assert response.status_code == 201
