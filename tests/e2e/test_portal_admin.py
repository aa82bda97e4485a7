"""Merchant admins create customers and invoices and issue, list and revoke portal links
(§7, §8): admin role only, tenant-scoped, idempotent, the token shown once."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import OTHER_TENANT, Api
from tests.e2e.portal_fixtures import Portal, portal_container, portal_fixture  # noqa: F401

both_stores = pytest.mark.parametrize("store_kind", ["memory", "sqlite"])


@both_stores
async def test_an_admin_creates_a_customer_and_an_invoice(portal: Portal, api: Api) -> None:
    created = await portal.admin_post("/customers", {"email": "ada@example.com", "name": "Ada"})
    assert created.status_code == 201
    customer = created.json()
    assert customer["object"] == "customer"
    assert customer["gateway_customer_id"]

    body = {
        "customer_id": customer["id"],
        "currency": "USD",
        "number": "INV-0001",
        "due_date": "2030-01-31",
        "lines": [
            {"description": "Plan", "quantity": 2, "unit_amount": 4_900},
            {"description": "Setup", "quantity": 1, "unit_amount": 1_500},
        ],
    }
    answer = await portal.admin_post("/invoices", body)
    assert answer.status_code == 201, answer.text
    invoice = answer.json()
    assert (invoice["number"], invoice["currency"], invoice["status"]) == (
        "INV-0001",
        "usd",
        "open",
    )
    assert (invoice["total"], invoice["amount_paid"], invoice["amount_due"]) == (11_300, 0, 11_300)
    assert invoice["due_date"] == "2030-01-31"
    assert [line["amount"] for line in invoice["lines"]] == [9_800, 1_500]

    assert await portal.invoice_of(invoice["id"]) == invoice
    listed = await api.get("/invoices", role="merchant_admin", customer_id=customer["id"])
    assert [i["id"] for i in listed.json()["data"]] == [invoice["id"]]
    customers = await api.get("/customers", role="merchant_admin")
    assert [c["id"] for c in customers.json()["data"]] == [customer["id"]]


async def test_customers_and_invoices_need_the_admin_role(api: Api) -> None:
    answer = await api.post("/customers", {"email": "ada@example.com"}, role="merchant")
    assert answer.status_code == 403
    assert answer.json()["error"]["type"] == "permission_error"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"email": "ada@example.com", "nickname": "A"}, "nickname"),
    ],
)
async def test_a_bad_customer_is_refused(portal: Portal, body: dict[str, str], field: str) -> None:
    answer = await portal.admin_post("/customers", body)
    assert answer.status_code == 400
    assert answer.json()["error"]["param"] == field


async def test_a_bad_invoice_is_refused(portal: Portal) -> None:
    customer = await portal.customer()
    line = {"description": "x", "quantity": 1, "unit_amount": 1}
    for lines, currency in (([], "usd"), ([line | {"quantity": 0}], "usd"), ([line], "xyz")):
        body = {"customer_id": customer, "currency": currency, "lines": lines}
        answer = await portal.admin_post("/invoices", body)
        assert answer.status_code == 400, answer.text
        assert answer.json()["error"]["type"] == "invalid_request_error"


@both_stores
async def test_another_tenants_customers_and_invoices_are_not_found(portal: Portal) -> None:
    theirs = await portal.customer(tenant=OTHER_TENANT)
    their_invoice = await portal.invoice(theirs, tenant=OTHER_TENANT)

    answer = await portal.api.get(f"/invoices/{their_invoice}", role="merchant_admin")
    assert answer.status_code == 404
    body = {
        "customer_id": theirs,
        "currency": "usd",
        "lines": [{"description": "x", "quantity": 1, "unit_amount": 100}],
    }
    assert (await portal.admin_post("/invoices", body)).status_code == 404
    assert (await portal.admin_post("/portal-tokens", {"customer_id": theirs})).status_code == 404
    mine = await portal.customer()
    their_link = {"customer_id": mine, "invoice_id": their_invoice}
    assert (await portal.admin_post("/portal-tokens", their_link)).status_code == 404


@both_stores
async def test_a_link_is_issued_once_then_listed_without_its_secret(portal: Portal) -> None:
    customer = await portal.customer()
    invoice = await portal.invoice(customer)
    issued = await portal.issue(customer, invoice, ttl_days=3)
    assert issued["object"] == "portal_token"
    assert issued["token"].startswith("kpt_")
    assert issued["url"].endswith(f"/pay/{issued['token']}")
    assert (issued["status"], issued["invoice_id"]) == ("active", invoice)

    listed = await portal.tokens(customer_id=customer)
    assert [t["id"] for t in listed] == [issued["id"]]
    assert "token" not in listed[0] and "url" not in listed[0]
    assert issued["token"] not in str(listed)


async def test_a_replayed_issue_answers_the_same_link_without_its_secret(
    portal: Portal, api: Api
) -> None:
    customer = await portal.customer()
    body = {"customer_id": customer}
    first = await api.post("/portal-tokens", body, role="merchant_admin", key="issue-1")
    again = await api.post("/portal-tokens", body, role="merchant_admin", key="issue-1")
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert (again.json()["token"], again.json()["url"]) == (None, None)
    assert first.json()["token"] not in again.text
    assert len(await portal.tokens()) == 1


@pytest.mark.parametrize("ttl_days", [0, 31])
async def test_a_link_lives_one_to_thirty_days(portal: Portal, ttl_days: int) -> None:
    customer = await portal.customer()
    answer = await portal.admin_post(
        "/portal-tokens", {"customer_id": customer, "ttl_days": ttl_days}
    )
    assert answer.status_code == 400
    assert answer.json()["error"]["param"] == "ttl_days"


@both_stores
async def test_revoking_a_link(portal: Portal, api: Api) -> None:
    customer = await portal.customer()
    issued = await portal.issue(customer)
    revoked = await api.client.delete(
        f"/api/v1/portal-tokens/{issued['id']}", headers=api.headers("merchant_admin")
    )
    assert revoked.status_code == 200
    assert revoked.json()["status"] == "revoked" and revoked.json()["revoked_at"]
    other = await api.client.delete(
        f"/api/v1/portal-tokens/{issued['id']}",
        headers=api.headers("merchant_admin", tenant=OTHER_TENANT),
    )
    assert other.status_code == 404
    assert (await portal.view(issued["token"])).status_code == 401


async def test_creating_a_customer_is_idempotent(portal: Portal, api: Api) -> None:
    body = {"email": "ada@example.com"}
    first = await api.post("/customers", body, role="merchant_admin", key="cus-1")
    again = await api.post("/customers", body, role="merchant_admin", key="cus-1")
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    other = await api.post(
        "/customers", {"email": "bo@example.com"}, role="merchant_admin", key="cus-1"
    )
    assert other.status_code == 400
    assert other.json()["error"]["type"] == "idempotency_error"
    listed = await api.get("/customers", role="merchant_admin")
    assert len(listed.json()["data"]) == 1
