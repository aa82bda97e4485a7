"""Captures, cancels and refunds leave audit entries naming who did them, from where and
in which request (issue 11), as portal and platform actions do."""

from __future__ import annotations

from tests.e2e.conftest import Api, payment_body


async def test_capture_cancel_and_refund_are_audited_with_actor_and_request_id(api: Api) -> None:
    held = (await api.post("/payments/authorize", payment_body(order_id="a1"))).json()
    other = (await api.post("/payments/authorize", payment_body(order_id="a2"))).json()

    captured = await api.client.post(
        f"/api/v1/payments/{held['id']}/capture",
        json={"amount": 6_000},
        headers=api.headers("merchant", **{"X-Request-ID": "req_capture_1"}),
    )
    canceled = await api.post(
        f"/payments/{other['id']}/cancel", {"cancellation_reason": "abandoned"}
    )
    refunded = await api.post(f"/payments/{held['id']}/refunds", {"amount": 1_000},
                              role="merchant_admin")  # fmt: skip
    assert (captured.status_code, canceled.status_code, refunded.status_code) == (200, 200, 201)

    trail = (await api.get("/audit-logs", role="merchant_admin", limit=20)).json()["data"]
    by_action = {entry["action"]: entry for entry in trail}
    capture = by_action["payment.captured"]
    assert (capture["entity_id"], capture["details"]["amount"]) == (held["id"], 6_000)
    assert capture["actor"]["request_id"] == "req_capture_1"
    assert capture["actor"]["id"] == "user_e2e"
    assert by_action["payment.canceled"]["entity_id"] == other["id"]
    refund = by_action["payment.refund_requested"]
    assert (refund["details"]["amount"], refund["details"]["refund_id"]) == (
        1_000, refunded.json()["id"],
    )  # fmt: skip


async def test_a_refused_capture_leaves_no_entry(api: Api) -> None:
    held = (await api.post("/payments/authorize", payment_body(order_id="a3"))).json()
    too_much = await api.post(f"/payments/{held['id']}/capture", {"amount": 99_999})
    assert too_much.status_code == 400
    trail = (await api.get("/audit-logs", role="merchant_admin", limit=20)).json()["data"]
    assert "payment.captured" not in {entry["action"] for entry in trail}
