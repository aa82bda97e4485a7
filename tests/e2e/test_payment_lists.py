"""Listing payments: Stripe-style cursor pages, filters, and tenant isolation (§8, §9)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.e2e.conftest import OTHER_TENANT, Api, payment_body


async def make_payments(api: Api, count: int, prefix: str = "ord", **extra: Any) -> list[str]:
    ids = []
    for n in range(count):
        response = await api.post("/payments/charge", payment_body(f"{prefix}_{n:03d}", **extra))
        assert response.status_code in (201, 402), response.text
        body = response.json()
        ids.append(body["id"] if response.status_code == 201 else body["error"]["payment_id"])
    return ids


async def test_pages_of_ten_walk_through_25_payments_newest_first(api: Api) -> None:
    made = await make_payments(api, 25)

    first = (await api.get("/payments")).json()
    assert (first["object"], first["url"], first["has_more"]) == ("list", "/api/v1/payments", True)
    assert len(first["data"]) == 10
    second = (await api.get("/payments", limit=10, starting_after=first["data"][-1]["id"])).json()
    assert (len(second["data"]), second["has_more"]) == (10, True)
    third = (await api.get("/payments", limit=10, starting_after=second["data"][-1]["id"])).json()
    assert (len(third["data"]), third["has_more"]) == (5, False)

    walked = [p["id"] for page in (first, second, third) for p in page["data"]]
    assert sorted(walked) == sorted(made)
    assert len(set(walked)) == 25
    created = [p["created_at"] for page in (first, second, third) for p in page["data"]]
    assert created == sorted(created, reverse=True)

    back = (await api.get("/payments", ending_before=second["data"][0]["id"])).json()
    assert [p["id"] for p in back["data"]] == [p["id"] for p in first["data"]]


async def test_lists_filter_by_status_order_customer_and_creation_time(api: Api) -> None:
    await make_payments(api, 3)
    await make_payments(api, 2, prefix="declined", payment_method="pm_card_chargeDeclined")
    customer = await api.post("/customers", {"email": "c@example.com"}, role="merchant_admin")
    cus_7 = customer.json()["id"]
    await api.post("/payments/charge", payment_body("ord_special", customer_id=cus_7))

    failed = (await api.get("/payments", status="failed")).json()["data"]
    assert len(failed) == 2 and {p["status"] for p in failed} == {"failed"}
    by_order = (await api.get("/payments", order_id="ord_special")).json()["data"]
    assert [p["order_id"] for p in by_order] == ["ord_special"]
    by_customer = (await api.get("/payments", customer_id=cus_7)).json()["data"]
    assert [p["customer_id"] for p in by_customer] == [cus_7]

    now = datetime.now(UTC)
    later = (now + timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    earlier = (now - timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    assert (await api.get("/payments", **{"created_at[gte]": later})).json()["data"] == []
    assert (await api.get("/payments", **{"created_at[lte]": earlier})).json()["data"] == []
    window: dict[str, Any] = {"created_at[gte]": earlier, "created_at[lte]": later, "limit": 100}
    assert len((await api.get("/payments", **window)).json()["data"]) == 6


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"status": "paid"}, "status"),
        ({"created_at[gte]": "yesterday"}, "created_at[gte]"),
        ({"created_at[lte]": "2025-13-01"}, "created_at[lte]"),
        ({"starting_after": "pay_a", "ending_before": "pay_b"}, "ending_before"),
    ],
)
async def test_bad_list_parameters_are_400_naming_the_parameter(
    api: Api, params: dict[str, Any], param: str
) -> None:
    response = await api.get("/payments", **params)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["type"] == "invalid_request_error"
    assert response.json()["error"]["param"] == param


async def test_another_tenants_payment_is_not_found_and_never_listed(api: Api) -> None:
    mine = (await api.post("/payments/authorize", payment_body("ord_shared"))).json()["id"]

    seen = await api.get(f"/payments/{mine}", tenant=OTHER_TENANT)
    assert seen.status_code == 404
    assert seen.json()["error"]["type"] == "not_found"
    capture = await api.post(f"/payments/{mine}/capture", tenant=OTHER_TENANT)
    assert capture.status_code == 404
    refund = await api.post(f"/payments/{mine}/refunds", role="merchant_admin", tenant=OTHER_TENANT)
    assert refund.status_code == 404
    assert (await api.get("/payments", tenant=OTHER_TENANT)).json()["data"] == []
    orders = await api.get("/orders/ord_shared/payments", tenant=OTHER_TENANT)
    assert orders.json()["data"] == []
    # The order is free for the other tenant: duplicate prevention is per tenant too.
    theirs = await api.post("/payments/authorize", payment_body("ord_shared"), tenant=OTHER_TENANT)
    assert theirs.status_code == 201
    assert (await api.get(f"/payments/{mine}")).json()["status"] == "requires_capture"


async def test_an_unknown_payment_is_404(api: Api) -> None:
    response = await api.get("/payments/pay_missing")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "resource_missing"
