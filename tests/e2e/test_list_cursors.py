"""A cursor names an object of the caller's list, or the list refuses it (§8, as Stripe):
400 `resource_missing` naming the parameter, never an empty page a client would take for
the end of the list."""

from __future__ import annotations

import httpx
import pytest

from tests.e2e.conftest import OTHER_TENANT, Api, payment_body

pytestmark = pytest.mark.parametrize("store_kind", ["memory", "sqlite"])

LISTS = ["/payments", "/customers", "/invoices", "/portal-tokens", "/audit-logs"]


def assert_unknown_cursor(response: httpx.Response, param: str) -> None:
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert (error["type"], error["code"], error["param"]) == (
        "invalid_request_error",
        "resource_missing",
        param,
    )
    assert error["request_id"]


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize("param", ["starting_after", "ending_before"])
async def test_an_unknown_cursor_is_400_naming_it(api: Api, path: str, param: str) -> None:
    response = await api.get(path, role="merchant_admin", **{param: "obj_nobody_has"})

    assert_unknown_cursor(response, param)


@pytest.mark.parametrize("param", ["starting_after", "ending_before"])
async def test_another_tenants_payment_is_no_cursor(api: Api, param: str) -> None:
    theirs = await api.post("/payments/charge", payment_body("ord_theirs"), tenant=OTHER_TENANT)
    await api.post("/payments/charge", payment_body("ord_mine"))

    response = await api.get("/payments", **{param: theirs.json()["id"]})

    assert_unknown_cursor(response, param)


async def test_a_payment_that_left_the_filter_still_marks_the_page(api: Api) -> None:
    """Paging through held payments while one of them is captured goes on after it."""
    held = [
        (await api.post("/payments/authorize", payment_body(f"ord_{n}"))).json()["id"]
        for n in range(3)
    ]
    first = (await api.get("/payments", status="requires_capture", limit=1)).json()
    captured = await api.post(
        f"/payments/{first['data'][0]['id']}/capture", {}, role="merchant_admin"
    )
    assert captured.status_code == 200, captured.text

    rest = await api.get("/payments", status="requires_capture", starting_after=held[2])

    assert rest.status_code == 200, rest.text
    assert [p["id"] for p in rest.json()["data"]] == [held[1], held[0]]
