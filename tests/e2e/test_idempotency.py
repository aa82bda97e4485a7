"""`Idempotency-Key` over HTTP (§5): replays, refusals, and what is never saved."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import OTHER_TENANT, Api, payment_body

# Saved answers are bytes in a table: check the SQL store keeps them exactly too.
# PostgreSQL too: there a deferred key rides in the payment's own statement (its claim
# is known only at commit), so a replay winning over a refusal is a path of its own.
pytestmark = pytest.mark.parametrize(
    "store_kind", ["memory", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)


async def test_the_same_request_under_one_key_is_answered_once_and_replayed(api: Api) -> None:
    first = await api.post("/payments/charge", payment_body("ord_idem"), key="key-1")
    again = await api.post("/payments/charge", payment_body("ord_idem"), key="key-1")

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.content == first.content
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert api.gateway_calls("create_intent") == 1
    assert await api.stored_payments() == 1


async def test_the_body_is_compared_in_canonical_form(api: Api) -> None:
    body = payment_body("ord_canon", metadata={"a": "1", "b": "2"})
    reordered = dict(reversed(list(body.items())))
    first = await api.post("/payments/charge", body, key="key-canon")
    again = await api.post("/payments/charge", reordered, key="key-canon")
    assert again.headers.get("idempotent-replayed") == "true"
    assert again.json()["id"] == first.json()["id"]


async def test_another_request_under_a_used_key_is_an_idempotency_error(api: Api) -> None:
    await api.post("/payments/charge", payment_body("ord_a"), key="key-2")

    other_body = await api.post("/payments/charge", payment_body("ord_b"), key="key-2")
    assert other_body.status_code == 400
    assert other_body.json()["error"]["type"] == "idempotency_error"
    assert other_body.json()["error"]["param"] == "Idempotency-Key"
    other_path = await api.post("/payments/authorize", payment_body("ord_a"), key="key-2")
    assert other_path.status_code == 400
    assert other_path.json()["error"]["type"] == "idempotency_error"
    assert await api.stored_payments() == 1


async def test_keys_belong_to_one_tenant(api: Api) -> None:
    mine = await api.post("/payments/charge", payment_body("ord_t"), key="key-shared")
    theirs = await api.post(
        "/payments/charge", payment_body("ord_t"), key="key-shared", tenant=OTHER_TENANT
    )
    assert theirs.status_code == 201
    assert "idempotent-replayed" not in theirs.headers
    assert theirs.json()["id"] != mine.json()["id"]


async def test_a_decline_is_saved_and_replayed_as_402(api: Api) -> None:
    body = payment_body("ord_declined", payment_method="pm_card_chargeDeclined")
    first = await api.post("/payments/charge", body, key="key-decline")
    again = await api.post("/payments/charge", body, key="key-decline")

    assert (first.status_code, again.status_code) == (402, 402)
    assert again.content == first.content
    assert again.headers["idempotent-replayed"] == "true"
    assert api.gateway_calls("create_intent") == 1


async def test_a_request_refused_by_validation_is_not_saved(api: Api) -> None:
    bad = await api.post("/payments/charge", payment_body("ord_fix", amount="100"), key="key-fix")
    assert bad.status_code == 400
    assert not await api.key_saved("key-fix")

    fixed = await api.post("/payments/charge", payment_body("ord_fix", amount=100), key="key-fix")
    assert fixed.status_code == 201, fixed.text
    assert "idempotent-replayed" not in fixed.headers


async def test_a_request_refused_by_a_rule_is_not_saved_and_a_retry_runs_again(api: Api) -> None:
    await api.post("/payments/authorize", payment_body("ord_rule"))
    refused = await api.post("/payments/authorize", payment_body("ord_rule"), key="key-rule")
    assert refused.status_code == 409
    assert not await api.key_saved("key-rule")


async def test_actions_on_a_payment_are_idempotent_too(api: Api) -> None:
    pay_id = (await api.post("/payments/authorize", payment_body("ord_cap"))).json()["id"]
    first = await api.post(f"/payments/{pay_id}/capture", {"amount": 500}, key="key-cap")
    again = await api.post(f"/payments/{pay_id}/capture", {"amount": 500}, key="key-cap")
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.headers["idempotent-replayed"] == "true"
    assert api.gateway_calls("capture_intent") == 1
    unkeyed = await api.post(f"/payments/{pay_id}/capture", {"amount": 500})
    assert unkeyed.status_code == 409


@pytest.mark.parametrize(
    "key", ["k" * 256, "k" * 300, "tab\tkey", ""], ids=["256", "300", "tab", "empty"]
)
async def test_a_key_must_be_1_to_255_printable_characters(api: Api, key: str) -> None:
    response = await api.post("/payments/charge", payment_body(), key=key)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert (error["type"], error["param"]) == ("invalid_request_error", "Idempotency-Key")
    assert await api.stored_payments() == 0
    assert not await api.key_saved(key)


async def test_a_key_of_255_characters_is_accepted(api: Api) -> None:
    response = await api.post("/payments/charge", payment_body(), key="k" * 255)
    assert response.status_code == 201
    assert await api.key_saved("k" * 255)
    assert (await api.post("/payments/charge", payment_body(), key="k" * 255)).status_code == 201


async def test_a_keyed_charge_decodes_its_body_once(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Litestar's `data`, the strict conversion and the fingerprint share one decode."""
    from adapters import untrusted_json

    decoded: list[bytes] = []
    real = untrusted_json.decode

    def counting(raw: bytes, *args: object) -> object:
        decoded.append(raw)
        return real(raw, *args)

    monkeypatch.setattr(untrusted_json, "decode", counting)
    answer = await api.post("/payments/charge", payment_body("ord_once"), key="key-once")
    assert answer.status_code == 201
    assert len(decoded) == 1
