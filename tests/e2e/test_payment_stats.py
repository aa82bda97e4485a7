"""`GET /payments/stats` (§8) over HTTP: the figures of the caller's tenant, per currency;
a platform admin's of one tenant or all; periods and their mistakes."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import OTHER_TENANT, TENANT, Api, payment_body

both_stores = pytest.mark.parametrize("store_kind", ["memory", "sqlite"])


async def pay(api: Api, tenant: str = TENANT, **body: object) -> dict[str, object]:
    answer = await api.post("/payments/charge", payment_body(**body), tenant=tenant)  # type: ignore[arg-type]
    assert answer.status_code in (201, 402), answer.text
    return dict(answer.json()) if answer.status_code == 201 else {}


@both_stores
async def test_a_merchant_reads_its_own_figures_per_currency(api: Api) -> None:
    paid = await pay(api, order_id="o1", amount=10_000)
    await pay(api, order_id="o2", amount=5_000)
    await pay(api, order_id="o3", amount=2_000, payment_method="pm_card_chargeDeclined")
    await pay(api, order_id="o4", amount=1_000, currency="jpy")
    await pay(api, tenant=OTHER_TENANT, order_id="o5", amount=7_000)
    refunded = await api.post(f"/payments/{paid['id']}/refunds", {"amount": 4_000},
                              role="merchant_admin")  # fmt: skip
    assert refunded.status_code == 201

    stats = await api.get("/payments/stats")

    assert stats.status_code == 200, stats.text
    body = stats.json()
    assert (body["object"], body["tenant_id"], body["from"], body["to"]) == (
        "payment_stats", TENANT, None, None,
    )  # fmt: skip
    jpy, usd = body["data"]
    assert (jpy["currency"], jpy["counts"], jpy["captured"]) == ("jpy", {"succeeded": 1}, 1_000)
    assert usd["counts"] == {"failed": 1, "succeeded": 2}
    assert (usd["gross"], usd["captured"], usd["refunded"]) == (17_000, 15_000, 4_000)
    assert usd["platform_fees"] == 450  # 3 % of 150.00
    assert usd["gateway_fees"] == 2 * 30 + 435  # 2.9 % of 150.00 + 0.30 a payment
    assert usd["net"] == 15_000 - 450 - 495
    assert usd["platform_fees_reversed"] == 120  # 3 % of the 40.00 refunded
    assert (usd["success_rate"], usd["refund_rate"], usd["disputes"]) == ("0.6667", "0.2667", 0)


async def test_a_period_counts_the_payments_created_in_it(api: Api) -> None:
    await pay(api, order_id="o1")
    early = await api.get("/payments/stats", to="2000-01-01T00:00:00Z")
    assert early.json()["data"] == [] and early.json()["to"] == "2000-01-01T00:00:00Z"
    now = await api.get("/payments/stats", **{"from": "2000-01-01T00:00:00Z"})
    assert [d["counts"] for d in now.json()["data"]] == [{"succeeded": 1}]


async def test_an_empty_period_has_no_payments_and_a_garbled_one_is_a_400(api: Api) -> None:
    await pay(api, order_id="o1")
    backwards = await api.get("/payments/stats", **{"from": "2099-02-01", "to": "2000-01-01"})
    assert (backwards.status_code, backwards.json()["data"]) == (200, [])
    garbled = await api.get("/payments/stats", to="yesterday")
    assert (garbled.status_code, garbled.json()["error"]["param"]) == (400, "to")


async def test_another_tenants_figures_are_not_found_for_a_merchant(api: Api) -> None:
    answer = await api.get("/payments/stats", tenant_id=OTHER_TENANT)
    assert answer.status_code == 404
    assert answer.json()["error"]["param"] == "tenant_id"


async def test_a_platform_admin_reads_one_tenant_or_all(api: Api) -> None:
    await pay(api, order_id="o1", amount=10_000)
    await pay(api, tenant=OTHER_TENANT, order_id="o2", amount=7_000)

    everyone = await api.get("/payments/stats", role="platform_admin")
    one = await api.get("/payments/stats", role="platform_admin", tenant_id=OTHER_TENANT)

    assert everyone.json()["tenant_id"] is None
    assert [d["captured"] for d in everyone.json()["data"]] == [17_000]
    assert [d["captured"] for d in one.json()["data"]] == [7_000]
    assert (await api.get("/payments/stats", role="merchant_admin")).status_code == 200
