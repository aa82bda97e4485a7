"""`GET /audit-logs` (§9): merchant admins read their tenant's trail, platform admins all."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import OTHER_TENANT, TENANT, Api

PLATFORM = "platform_admin"


async def platform_changes(api: Api) -> None:
    """A tier move and an override for TENANT, one for OTHER_TENANT, and a tier repricing."""
    admin = api.headers(PLATFORM, **{"X-Request-ID": "req-tier-move", "User-Agent": "ops/1.0"})
    moved = await api.client.patch(
        f"/api/v1/tenants/{TENANT}", json={"fee_tier": "professional"}, headers=admin
    )
    assert moved.status_code == 200, moved.text
    override = {"percentage_bps": 100, "fixed_amounts": {"usd": 30}}
    for tenant_id in (TENANT, OTHER_TENANT):
        response = await api.client.put(
            f"/api/v1/tenants/{tenant_id}/fee-override",
            json=override,
            headers=api.headers(PLATFORM),
        )
        assert response.status_code == 200, response.text
    repriced = await api.client.put(
        "/api/v1/fee-tiers/enterprise", json={"percentage_bps": 40}, headers=api.headers(PLATFORM)
    )
    assert repriced.status_code == 200, repriced.text


async def audit_logs(
    api: Api, role: str = PLATFORM, tenant: str = TENANT, **params: Any
) -> dict[str, Any]:
    response = await api.get("/audit-logs", role=role, tenant=tenant, **params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.mark.parametrize("store_kind", ["memory", "sqlite"])
async def test_a_tier_change_is_audited_with_who_from_where_and_old_and_new(api: Api) -> None:
    await platform_changes(api)
    page = await audit_logs(api, action="tenant.fee_tier_changed")
    (entry,) = page["data"]
    assert entry["id"].startswith("aud_") and entry["object"] == "audit_entry"
    assert (entry["tenant_id"], entry["entity_type"], entry["entity_id"]) == (
        TENANT,
        "tenant",
        TENANT,
    )
    assert entry["details"] == {"old": "starter", "new": "professional"}
    actor = entry["actor"]
    assert (actor["kind"], actor["id"]) == ("user", "user_e2e")
    assert (actor["request_id"], actor["user_agent"]) == ("req-tier-move", "ops/1.0")
    assert actor["ip"]
    assert entry["created_at"].endswith("Z")


async def test_override_and_tier_entries_show_fees_as_the_api_does(api: Api) -> None:
    await platform_changes(api)
    (override,) = (await audit_logs(api, action="tenant.fee_override_set", tenant_id=TENANT))[
        "data"
    ]
    assert override["details"] == {
        "old": None,
        "new": {"percentage_bps": 100, "fixed_amounts": {"usd": 30}},
    }
    removed = await api.client.delete(
        f"/api/v1/tenants/{TENANT}/fee-override", headers=api.headers(PLATFORM)
    )
    assert removed.status_code == 200
    (removal,) = (await audit_logs(api, action="tenant.fee_override_removed"))["data"]
    assert removal["details"]["old"] == {"percentage_bps": 100, "fixed_amounts": {"usd": 30}}
    assert removal["details"]["new"] is None

    (tier,) = (await audit_logs(api, action="fee_tier.updated"))["data"]
    assert (tier["tenant_id"], tier["entity_type"], tier["entity_id"]) == (
        None,
        "fee_tier",
        "enterprise",
    )
    assert tier["details"]["old"]["percentage_bps"] == 50
    assert tier["details"]["new"]["percentage_bps"] == 40


async def test_a_suspension_is_audited(api: Api) -> None:
    await api.client.patch(
        f"/api/v1/tenants/{TENANT}", json={"status": "suspended"}, headers=api.headers(PLATFORM)
    )
    (entry,) = (await audit_logs(api, action="tenant.status_changed"))["data"]
    assert entry["details"] == {"old": "active", "new": "suspended"}


async def test_a_merchant_admin_sees_only_its_own_tenants_entries(api: Api) -> None:
    await platform_changes(api)
    mine = await audit_logs(api, role="merchant_admin", limit=100)
    assert mine["data"], "the tenant's own entries"
    assert {e["tenant_id"] for e in mine["data"]} == {TENANT}
    actions = {e["action"] for e in mine["data"]}
    assert "fee_tier.updated" not in actions, "platform-wide entries are the platform's"

    theirs = await audit_logs(api, role="merchant_admin", tenant_id=OTHER_TENANT)
    assert theirs["data"] == [] and theirs["has_more"] is False

    other = await audit_logs(api, role="merchant_admin", tenant=OTHER_TENANT, limit=100)
    assert {e["tenant_id"] for e in other["data"]} == {OTHER_TENANT}


async def test_a_platform_admin_sees_every_entry_or_one_tenants(api: Api) -> None:
    await platform_changes(api)
    everything = await audit_logs(api, limit=100)
    assert {e["tenant_id"] for e in everything["data"]} == {TENANT, OTHER_TENANT, None}
    one = await audit_logs(api, tenant_id=OTHER_TENANT, limit=100)
    assert one["data"] and {e["tenant_id"] for e in one["data"]} == {OTHER_TENANT}
    about = await audit_logs(api, entity_id="enterprise")
    assert [e["action"] for e in about["data"]] == ["fee_tier.updated"]


async def test_a_merchant_cannot_read_the_audit_trail(api: Api) -> None:
    response = await api.get("/audit-logs", role="merchant")
    assert response.status_code == 403
    assert response.json()["error"]["type"] == "permission_error"
    unauthenticated = await api.client.get("/api/v1/audit-logs")
    assert unauthenticated.status_code == 401


@pytest.mark.parametrize("store_kind", ["memory", "sqlite"])
async def test_the_audit_trail_pages_newest_first(api: Api) -> None:
    await platform_changes(api)
    everything = (await audit_logs(api, limit=100))["data"]
    assert len(everything) >= 6
    created = [e["created_at"] for e in everything]
    assert created == sorted(created, reverse=True)

    first = await audit_logs(api, limit=2)
    assert (first["object"], first["url"], first["has_more"]) == (
        "list",
        "/api/v1/audit-logs",
        True,
    )
    second = await audit_logs(api, limit=2, starting_after=first["data"][-1]["id"])
    assert [e["id"] for e in first["data"] + second["data"]] == [e["id"] for e in everything[:4]]
    back = await audit_logs(api, limit=2, ending_before=second["data"][0]["id"])
    assert [e["id"] for e in back["data"]] == [e["id"] for e in first["data"]]


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"starting_after": "aud_1", "ending_before": "aud_2"}, "ending_before"),
    ],
)
async def test_bad_list_parameters_are_400(api: Api, params: dict[str, Any], param: str) -> None:
    response = await api.get("/audit-logs", role=PLATFORM, **params)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert (error["type"], error["param"]) == ("invalid_request_error", param)
