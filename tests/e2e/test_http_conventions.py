"""What every response shares (§9): request ids, the error envelope, OpenAPI, health."""

from __future__ import annotations

import gc
import logging

import pytest
from dependency_injector import providers

from application.payments.queries import GetPayment
from domain.payment import Payment
from entrypoints.container import Container
from entrypoints.http.edge.request_id import RequestIdLogFilter
from entrypoints.http.health import RememberedCheck
from tests.e2e.conftest import Api, payment_body


class ExplodingGetPayment(GetPayment):
    async def execute(self, tenant_id: str, payment_id: str) -> Payment:
        raise RuntimeError("database password is hunter2 at /srv/kassa/secret.py")


async def test_a_sane_request_id_is_echoed_on_success_and_in_errors(api: Api) -> None:
    headers = {**api.headers(), "X-Request-ID": "client-req-42"}
    ok = await api.client.post("/api/v1/payments/charge", json=payment_body(), headers=headers)
    assert ok.headers.get_list("x-request-id") == ["client-req-42"]

    missing = await api.client.get("/api/v1/payments/pay_nope", headers=headers)
    assert missing.headers.get_list("x-request-id") == ["client-req-42"]
    assert missing.json()["error"]["request_id"] == "client-req-42"


@pytest.mark.parametrize("sent", [None, "x" * 201, "bad\x7fid"])
async def test_a_missing_or_insane_request_id_is_replaced_by_a_generated_one(
    api: Api, sent: str | None
) -> None:
    headers = {} if sent is None else {"X-Request-ID": sent}
    response = await api.client.get("/api/v1/payments", headers=headers)
    assert response.status_code == 401
    generated = response.headers["x-request-id"]
    assert generated.startswith("req_") and generated != sent
    assert response.json()["error"]["request_id"] == generated


async def test_an_unknown_route_is_a_404_envelope_with_a_request_id(api: Api) -> None:
    response = await api.client.get("/api/v1/nowhere", headers={"X-Request-ID": "r-404"})
    assert response.status_code == 404
    assert response.json()["error"] == {
        "type": "not_found",
        "code": "route_not_found",
        "message": "No such route.",
        "param": None,
        "request_id": "r-404",
    }
    assert response.headers["x-request-id"] == "r-404"


async def test_a_wrong_method_is_405_in_the_envelope_naming_the_allowed_ones(api: Api) -> None:
    response = await api.client.delete("/api/v1/payments", headers=api.headers())
    assert response.status_code == 405
    assert response.json()["error"]["type"] == "invalid_request_error"
    assert set(response.headers["allow"].split(", ")) == {"GET", "OPTIONS"}


async def test_options_names_every_method_of_a_path_served_by_several_handlers(api: Api) -> None:
    admin = api.headers("platform_admin")
    response = await api.client.options("/api/v1/tenants/ten_acme", headers=admin)
    assert response.status_code == 204
    assert set(response.headers["allow"].split(", ")) == {"GET", "PATCH", "OPTIONS"}


async def test_an_unexpected_error_is_a_500_api_error_that_tells_nothing(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.handler.addFilter(RequestIdLogFilter())
    exploding = ExplodingGetPayment(api.container.unit_of_work.provider)
    with (
        api.container.get_payment.override(providers.Object(exploding)),
        caplog.at_level(logging.ERROR, logger="kassa.http"),
    ):
        response = await api.client.get(
            "/api/v1/payments/pay_1", headers={**api.headers(), "X-Request-ID": "r-500"}
        )

    assert response.status_code == 500
    error = response.json()["error"]
    assert (error["type"], error["code"]) == ("api_error", "internal_error")
    assert error["request_id"] == "r-500"
    for leak in ("Traceback", "hunter2", "secret.py", "RuntimeError"):
        assert leak not in response.text
    logged = [r for r in caplog.records if r.exc_info and r.name == "kassa.http"]
    assert logged and logged[0].request_id == "r-500"  # type: ignore[attr-defined]
    assert "hunter2" in str(logged[0].exc_info[1])  # type: ignore[index]


async def test_the_openapi_document_is_3_1_and_the_docs_are_browsable(api: Api) -> None:
    document = await api.client.get("/schema/openapi.json")
    assert document.status_code == 200
    spec = document.json()
    assert spec["openapi"].startswith("3.1")
    assert "/api/v1/payments/charge" in spec["paths"]
    assert "BearerToken" in spec["components"]["securitySchemes"]
    docs = await api.client.get("/schema")
    assert docs.status_code == 200
    assert docs.headers["content-type"].startswith("text/html")


async def test_the_openapi_document_describes_bodies_as_they_are_decoded(api: Api) -> None:
    spec = (await api.client.get("/schema/openapi.json")).json()
    capture = spec["paths"]["/api/v1/payments/{payment_id}/capture"]["post"]["requestBody"]
    assert capture["required"] is False  # left out, it means {}; `null` is refused
    assert capture["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/CaptureBody"
    }
    payment = spec["components"]["schemas"]["CreatePaymentBody"]
    assert payment["additionalProperties"] is False
    assert {"usd", "jpy", "kwd"} <= set(payment["properties"]["currency"]["enum"])
    assert payment["properties"]["metadata"]["maxProperties"] == 50


async def test_health_reports_the_database_and_the_gateway(api: Api) -> None:
    healthy = await api.client.get("/health")
    assert healthy.status_code == 200
    assert healthy.json() == {"status": "ok", "checks": {"database": "ok", "gateway": "ok"}}

    api.container.gateway().available = False
    remembered = await api.client.get("/health")
    assert remembered.json()["checks"]["gateway"] == "ok"  # asked again after 5 s only


async def test_health_reports_an_unreachable_gateway(api: Api) -> None:
    api.container.gateway().available = False
    sick = await api.client.get("/health")
    assert sick.status_code == 503
    assert sick.json()["checks"] == {"database": "ok", "gateway": "unavailable"}


async def test_the_gateway_check_is_remembered_for_a_few_seconds_only() -> None:
    now = [0.0]
    answers = iter([None, ConnectionError("down")])
    asked: list[float] = []

    async def ping() -> None:
        asked.append(now[0])
        failure = next(answers)
        if failure is not None:
            raise failure

    check = RememberedCheck(ping, 5.0, timer=lambda: now[0])
    assert await check.ok()
    now[0] = 4.9
    assert await check.ok()
    now[0] = 5.0
    assert not await check.ok()
    assert asked == [0.0, 5.0]


async def test_what_start_up_made_is_kept_out_of_the_collector_while_serving(
    container: Container,
) -> None:
    """gc.freeze once started (the collector's full pauses walk only what requests make),
    and unfrozen at shutdown."""
    frozen_before = gc.get_freeze_count()
    async with Api.serving(container) as api:
        frozen = gc.get_freeze_count()
        assert (await api.client.get("/health")).status_code == 200
    assert frozen > frozen_before
    assert gc.get_freeze_count() == 0
