"""The platform API (§4, §9): tenants, tiers and overrides, for platform admins only."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from application.ports.repositories import AuditFilter, PageRequest
from tests.e2e.conftest import OTHER_TENANT, TENANT, Api, payment_body

PLATFORM = "platform_admin"


async def send(
    api: Api,
    method: str,
    path: str,
    body: Any = None,
    *,
    role: str = PLATFORM,
    key: str | None = None,
    **headers: str,
) -> httpx.Response:
    return await api.client.request(
        method,
        f"/api/v1{path}",
        json=body,
        headers=api.headers(role, key=key, **headers),
    )


async def tenant(api: Api, tenant_id: str = TENANT) -> dict[str, Any]:
    response = await send(api, "GET", f"/tenants/{tenant_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def tiers(api: Api) -> dict[str, dict[str, Any]]:
    response = await send(api, "GET", "/fee-tiers")
    assert response.status_code == 200, response.text
    return {tier["code"]: tier for tier in response.json()["data"]}


async def snapshot(api: Api) -> tuple[Any, ...]:
    """Everything a platform request could change: every tenant, every tier, the audit trail."""
    stored = await api.container.list_tenants().execute()
    audit = await api.container.list_audit_entries().execute(AuditFilter(), PageRequest(100))
    return (
        [await tenant(api, t.id) for t in sorted(stored, key=lambda t: t.id)],
        await tiers(api),
        [entry.id for entry in audit.data],
    )


async def charge(api: Api, order_id: str, amount: int = 10_000, currency: str = "usd") -> Any:
    response = await api.post(
        "/payments/charge", payment_body(order_id, amount=amount, currency=currency)
    )
    assert response.status_code == 201, response.text
    return response.json()


# --------------------------------------------------------------------------- tenants


async def test_a_platform_admin_creates_a_tenant_on_the_starter_tier_by_default(
    api: Api,
) -> None:
    response = await send(api, "POST", "/tenants", {"name": "Bakery"})
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["id"].startswith("ten_")
    assert created["object"] == "tenant"
    assert (created["name"], created["status"], created["fee_tier"]) == (
        "Bakery",
        "active",
        "starter",
    )
    assert created["fee_override"] is None and created["connected_account_id"] is None
    assert created["created_at"].endswith("Z") and created["updated_at"].endswith("Z")
    assert await tenant(api, created["id"]) == created


async def test_a_tenant_can_be_created_with_its_id_tier_and_connected_account(
    api: Api,
) -> None:
    body = {
        "name": "Florist",
        "id": "ten_florist",
        "fee_tier": "enterprise",
        "connected_account_id": "acct_1Florist",
    }
    response = await send(api, "POST", "/tenants", body)
    assert response.status_code == 201, response.text
    shown = await tenant(api, "ten_florist")
    assert (shown["fee_tier"], shown["connected_account_id"]) == ("enterprise", "acct_1Florist")


async def test_a_taken_tenant_id_is_409_and_changes_nothing(api: Api) -> None:
    before = await snapshot(api)
    response = await send(api, "POST", "/tenants", {"name": "Copycat", "id": TENANT})
    assert response.status_code == 409
    error = response.json()["error"]
    assert (error["type"], error["param"]) == ("conflict", "id")
    assert await snapshot(api) == before


async def test_creating_a_tenant_is_idempotent_under_one_key(api: Api) -> None:
    first = await send(api, "POST", "/tenants", {"name": "Once"}, key="tenant-once")
    again = await send(api, "POST", "/tenants", {"name": "Once"}, key="tenant-once")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    names = [t.name for t in await api.container.list_tenants().execute()]
    assert names.count("Once") == 1

    other = await send(api, "POST", "/tenants", {"name": "Twice"}, key="tenant-once")
    assert other.status_code == 400
    assert other.json()["error"]["type"] == "idempotency_error"
    assert "Twice" not in [t.name for t in await api.container.list_tenants().execute()]


async def test_a_refused_creation_does_not_use_up_its_key(api: Api) -> None:
    refused = await send(api, "POST", "/tenants", {"name": "X", "fee_tier": "gold"}, key="k-1")
    assert refused.status_code == 400
    assert not await api.key_saved("k-1")
    retried = await send(api, "POST", "/tenants", {"name": "X", "fee_tier": "starter"}, key="k-1")
    assert retried.status_code == 201, retried.text


async def test_patch_moves_a_tenant_between_tiers(api: Api) -> None:
    response = await send(api, "PATCH", f"/tenants/{TENANT}", {"fee_tier": "professional"})
    assert response.status_code == 200, response.text
    assert response.json()["fee_tier"] == "professional"
    assert (await tenant(api))["fee_tier"] == "professional"
    assert (await tenant(api, OTHER_TENANT))["fee_tier"] == "starter"


async def test_an_empty_patch_changes_nothing_and_answers_the_tenant(api: Api) -> None:
    before = await tenant(api)
    response = await send(api, "PATCH", f"/tenants/{TENANT}", {})
    assert response.status_code == 200
    assert {k: v for k, v in response.json().items() if k != "updated_at"} == {
        k: v for k, v in before.items() if k != "updated_at"
    }


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/tenants/ten_nobody", None),
        ("PATCH", "/tenants/ten_nobody", {"fee_tier": "professional"}),
        ("PUT", "/tenants/ten_nobody/fee-override", {"percentage_bps": 100}),
        ("DELETE", "/tenants/ten_nobody/fee-override", None),
        ("PUT", "/fee-tiers/platinum", {"percentage_bps": 100}),
    ],
    ids=["get", "patch", "put override", "delete override", "unknown tier in the path"],
)
async def test_an_unknown_tenant_or_tier_in_the_path_is_404(
    api: Api, method: str, path: str, body: Any
) -> None:
    before = await snapshot(api)
    response = await send(api, method, path, body)
    assert response.status_code == 404, response.text
    assert response.json()["error"]["type"] == "not_found"
    assert await snapshot(api) == before


# --------------------------------------------------------------------------- roles

WRITES: list[tuple[str, str, Any]] = [
    ("POST", "/tenants", {"name": "Sneaky", "id": "ten_sneaky"}),
    ("PATCH", f"/tenants/{TENANT}", {"fee_tier": "enterprise"}),
    ("PATCH", f"/tenants/{TENANT}", {"status": "suspended"}),
    ("PUT", f"/tenants/{TENANT}/fee-override", {"percentage_bps": 0}),
    ("DELETE", f"/tenants/{TENANT}/fee-override", None),
    ("PUT", "/fee-tiers/starter", {"percentage_bps": 0}),
]
READS = [("GET", f"/tenants/{TENANT}", None), ("GET", "/fee-tiers", None)]


@pytest.mark.parametrize("role", ["merchant", "merchant_admin"])
@pytest.mark.parametrize(
    ("method", "path", "body"),
    WRITES + READS,
    ids=[f"{m} {p} {b}" for m, p, b in WRITES + READS],
)
async def test_merchants_get_403_from_the_platform_api_and_change_nothing(
    api: Api, role: str, method: str, path: str, body: Any
) -> None:
    await send(api, "PUT", f"/tenants/{TENANT}/fee-override", {"percentage_bps": 42})
    before = await snapshot(api)
    response = await send(api, method, path, body, role=role, key="k-forbidden")
    assert response.status_code == 403, response.text
    error = response.json()["error"]
    assert (error["type"], error["code"]) == ("permission_error", "insufficient_role")
    assert await snapshot(api) == before
    assert not await api.key_saved("k-forbidden")


@pytest.mark.parametrize(("method", "path", "body"), WRITES + READS)
async def test_the_platform_api_needs_a_token(api: Api, method: str, path: str, body: Any) -> None:
    response = await api.client.request(method, f"/api/v1{path}", json=body)
    assert response.status_code == 401
    assert response.json()["error"]["type"] == "authentication_error"


# --------------------------------------------------------------------------- bad input

BAD: list[tuple[str, str, str, Any, str, str]] = [
    # (case, method, path, body, code, param)
    ("name missing", "POST", "/tenants", {}, "parameter_missing", "name"),
    ("name empty", "POST", "/tenants", {"name": ""}, "parameter_invalid", "name"),
    (
        "unknown tier on creation",
        "POST",
        "/tenants",
        {"name": "N", "fee_tier": "gold"},
        "resource_missing",
        "fee_tier",
    ),
    (
        "not a Stripe account",
        "POST",
        "/tenants",
        {"name": "N", "connected_account_id": "cus_123"},
        "parameter_invalid",
        "connected_account_id",
    ),
    ("id with spaces", "POST", "/tenants", {"name": "N", "id": "a b"}, "parameter_invalid", "id"),
    ("unknown field", "POST", "/tenants", {"name": "N", "vip": True}, "parameter_unknown", "vip"),
    (
        "unknown tier",
        "PATCH",
        f"/tenants/{TENANT}",
        {"fee_tier": "gold"},
        "resource_missing",
        "fee_tier",
    ),
    (
        "unknown tier with a status change",
        "PATCH",
        f"/tenants/{TENANT}",
        {"fee_tier": "gold", "status": "suspended"},
        "resource_missing",
        "fee_tier",
    ),
    (
        "tier not a string",
        "PATCH",
        f"/tenants/{TENANT}",
        {"fee_tier": 2},
        "parameter_invalid",
        "fee_tier",
    ),
    (
        "unknown status",
        "PATCH",
        f"/tenants/{TENANT}",
        {"status": "closed"},
        "parameter_invalid",
        "status",
    ),
    (
        "override empty",
        "PUT",
        f"/tenants/{TENANT}/fee-override",
        {},
        "parameter_missing",
        "percentage_bps",
    ),
    (
        "override bps negative",
        "PUT",
        f"/tenants/{TENANT}/fee-override",
        {"percentage_bps": -1},
        "parameter_invalid",
        "percentage_bps",
    ),
    (
        "override bps over 10000",
        "PUT",
        f"/tenants/{TENANT}/fee-override",
        {"percentage_bps": 10_001},
        "parameter_invalid",
        "percentage_bps",
    ),
    (
        "override bps fractional",
        "PUT",
        f"/tenants/{TENANT}/fee-override",
        {"percentage_bps": 1.5},
        "parameter_invalid",
        "percentage_bps",
    ),
    (
        "override bps a string",
        "PUT",
        f"/tenants/{TENANT}/fee-override",
        {"percentage_bps": "100"},
        "parameter_invalid",
        "percentage_bps",
    ),
    (
        "override bps a boolean",
        "PUT",
        f"/tenants/{TENANT}/fee-override",
        {"percentage_bps": True},
        "parameter_invalid",
        "percentage_bps",
    ),
    (
        "override fixed fee negative",
        "PUT",
        f"/tenants/{TENANT}/fee-override",
        {"fixed_amounts": {"usd": -30}},
        "parameter_invalid",
        "fixed_amounts",
    ),
    (
        "override fixed fee fractional",
        "PUT",
        f"/tenants/{TENANT}/fee-override",
        {"fixed_amounts": {"usd": 0.5}},
        "parameter_invalid",
        "fixed_amounts",
    ),
    (
        "override fixed fee in an unknown currency",
        "PUT",
        f"/tenants/{TENANT}/fee-override",
        {"percentage_bps": 100, "fixed_amounts": {"xyz": 30}},
        "unknown_currency",
        "fixed_amounts",
    ),
    (
        "override fixed fees not a map",
        "PUT",
        f"/tenants/{TENANT}/fee-override",
        {"fixed_amounts": [30]},
        "parameter_invalid",
        "fixed_amounts",
    ),
    ("tier update empty", "PUT", "/fee-tiers/starter", {}, "parameter_missing", "percentage_bps"),
    (
        "tier bps negative",
        "PUT",
        "/fee-tiers/starter",
        {"percentage_bps": -5},
        "parameter_invalid",
        "percentage_bps",
    ),
    (
        "tier bps over 10000",
        "PUT",
        "/fee-tiers/starter",
        {"percentage_bps": 20_000},
        "parameter_invalid",
        "percentage_bps",
    ),
    (
        "tier fixed fee negative",
        "PUT",
        "/fee-tiers/starter",
        {"fixed_amounts": {"eur": -1}},
        "parameter_invalid",
        "fixed_amounts",
    ),
    (
        "tier fixed fee in an unknown currency",
        "PUT",
        "/fee-tiers/starter",
        {"fixed_amounts": {"abc": 1}},
        "unknown_currency",
        "fixed_amounts",
    ),
    ("tier name empty", "PUT", "/fee-tiers/starter", {"name": ""}, "parameter_invalid", "name"),
]


@pytest.mark.parametrize(
    ("method", "path", "body", "code", "param"),
    [case[1:] for case in BAD],
    ids=[case[0] for case in BAD],
)
async def test_a_bad_platform_request_is_400_naming_the_param_and_changes_nothing(
    api: Api, method: str, path: str, body: Any, code: str, param: str
) -> None:
    before = await snapshot(api)
    response = await send(api, method, path, body, key="k-bad" if method == "POST" else None)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert (error["type"], error["code"], error["param"]) == ("invalid_request_error", code, param)
    assert error["message"] and error["request_id"]
    assert await snapshot(api) == before
    assert not await api.key_saved("k-bad")


# --------------------------------------------------------------------------- fees in effect


@pytest.mark.parametrize("store_kind", ["memory", "sqlite"])
async def test_an_override_prices_later_payments_and_leaves_earlier_ones_alone(
    api: Api,
) -> None:
    before = await charge(api, "ord_before")
    assert (before["platform_fee"], before["gateway_fee"], before["net_amount"]) == (
        300,
        320,
        9_380,
    )

    override = {"percentage_bps": 100, "fixed_amounts": {"usd": 30}}
    response = await send(api, "PUT", f"/tenants/{TENANT}/fee-override", override)
    assert response.status_code == 200, response.text
    assert response.json()["fee_override"] == override
    assert (await tenant(api))["fee_override"] == override

    after = await charge(api, "ord_after")
    assert (after["platform_fee"], after["gateway_fee"], after["net_amount"]) == (130, 320, 9_550)
    yen = await charge(api, "ord_yen", amount=10_000, currency="jpy")
    assert yen["platform_fee"] == 100, "no fixed fee in a currency the override does not name"
    assert (await api.get(f"/payments/{before['id']}")).json()["platform_fee"] == 300

    removed = await send(api, "DELETE", f"/tenants/{TENANT}/fee-override")
    assert removed.status_code == 200 and removed.json()["fee_override"] is None
    assert (await charge(api, "ord_removed"))["platform_fee"] == 300
    assert (await api.get(f"/payments/{after['id']}")).json()["platform_fee"] == 130


async def test_an_override_of_the_fixed_fee_alone_keeps_the_tier_percentage(api: Api) -> None:
    response = await send(
        api, "PUT", f"/tenants/{TENANT}/fee-override", {"fixed_amounts": {"usd": 50}}
    )
    assert response.json()["fee_override"] == {"percentage_bps": None, "fixed_amounts": {"usd": 50}}
    assert (await charge(api, "ord_fixed"))["platform_fee"] == 350


async def test_an_override_is_the_tenants_alone(api: Api) -> None:
    await send(api, "PUT", f"/tenants/{TENANT}/fee-override", {"percentage_bps": 0})
    assert (await charge(api, "ord_mine"))["platform_fee"] == 0
    other = await api.post("/payments/charge", payment_body("ord_theirs"), tenant=OTHER_TENANT)
    assert other.json()["platform_fee"] == 300


async def test_moving_tiers_reprices_later_payments_only(api: Api) -> None:
    before = await charge(api, "ord_1")
    await send(api, "PATCH", f"/tenants/{TENANT}", {"fee_tier": "enterprise"})
    after = await charge(api, "ord_2")
    # §4 worked example, 100.00 USD on enterprise: 0.50 + 3.20 → net 96.30.
    assert (after["platform_fee"], after["gateway_fee"], after["net_amount"]) == (50, 320, 9_630)
    assert (await api.get(f"/payments/{before['id']}")).json()["platform_fee"] == 300


@pytest.mark.parametrize("store_kind", ["memory", "sqlite"])
async def test_repricing_a_tier_applies_to_its_tenants_later_payments(api: Api) -> None:
    before = await charge(api, "ord_1")
    response = await send(
        api,
        "PUT",
        "/fee-tiers/starter",
        {"percentage_bps": 200, "fixed_amounts": {"usd": 10}, "name": "Starter 2"},
    )
    assert response.status_code == 200, response.text
    assert response.json() == {
        "code": "starter",
        "object": "fee_tier",
        "name": "Starter 2",
        "level": 1,
        "percentage_bps": 200,
        "fixed_amounts": {"usd": 10},
    }
    assert (await tiers(api))["starter"]["percentage_bps"] == 200
    assert (await charge(api, "ord_2"))["platform_fee"] == 210
    other = await api.post("/payments/charge", payment_body("ord_3"), tenant=OTHER_TENANT)
    assert other.json()["platform_fee"] == 210, "every starter tenant"
    assert (await api.get(f"/payments/{before['id']}")).json()["platform_fee"] == 300


async def test_repricing_one_field_keeps_the_others(api: Api) -> None:
    await send(api, "PUT", "/fee-tiers/professional", {"fixed_amounts": {"eur": 25}})
    await send(api, "PUT", "/fee-tiers/professional", {"percentage_bps": 120})
    assert (await tiers(api))["professional"] == {
        "code": "professional",
        "object": "fee_tier",
        "name": "Professional",
        "level": 2,
        "percentage_bps": 120,
        "fixed_amounts": {"eur": 25},
    }


async def test_the_fee_tiers_are_listed_by_level(api: Api) -> None:
    response = await send(api, "GET", "/fee-tiers")
    body = response.json()
    assert (body["object"], body["has_more"], body["url"]) == ("list", False, "/api/v1/fee-tiers")
    assert [(t["code"], t["level"], t["percentage_bps"]) for t in body["data"]] == [
        ("starter", 1, 300),
        ("professional", 2, 150),
        ("enterprise", 3, 50),
    ]


# --------------------------------------------------------------------------- suspension


@pytest.mark.parametrize("store_kind", ["memory", "sqlite"])
async def test_a_suspended_tenant_cannot_take_payments_until_resumed(api: Api) -> None:
    suspended = await send(api, "PATCH", f"/tenants/{TENANT}", {"status": "suspended"})
    assert suspended.json()["status"] == "suspended"

    for path in ("/payments/charge", "/payments/authorize"):
        response = await api.post(path, payment_body("ord_s"), key=f"k{path}")
        assert response.status_code == 403, response.text
        error = response.json()["error"]
        assert (error["type"], error["code"]) == ("permission_error", "tenant_suspended")
        assert not await api.key_saved(f"k{path}")
    intent = {k: v for k, v in payment_body("ord_s").items() if k != "payment_method"}
    assert (await api.post("/payments/intent", intent)).status_code == 403
    assert await api.stored_payments() == 0
    other = await api.post("/payments/charge", payment_body("ord_o"), tenant=OTHER_TENANT)
    assert other.status_code == 201

    resumed = await send(api, "PATCH", f"/tenants/{TENANT}", {"status": "active"})
    assert resumed.json()["status"] == "active"
    retried = await api.post("/payments/charge", payment_body("ord_s"), key="k/payments/charge")
    assert retried.status_code == 201, retried.text


async def test_the_platform_endpoints_are_in_the_openapi_document(api: Api) -> None:
    paths = (await api.client.get("/schema/openapi.json")).json()["paths"]
    assert {"post"} <= paths["/api/v1/tenants"].keys()
    assert {"get", "patch"} <= paths["/api/v1/tenants/{tenant_id}"].keys()
    assert {"put", "delete"} <= paths["/api/v1/tenants/{tenant_id}/fee-override"].keys()
    assert "get" in paths["/api/v1/fee-tiers"]
    assert "put" in paths["/api/v1/fee-tiers/{code}"]
    assert "get" in paths["/api/v1/audit-logs"]
