"""Schemathesis over every operation of the OpenAPI document, in process (ASGI, no network):
never a 5xx, and every answer is one the document names (status, content type, headers,
body). Merchant operations run as a merchant_admin, platform ones as a platform_admin.

Bounded and reproducible: a few examples per operation, derandomized, no shrinking."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
import pytest
import schemathesis
from schemathesis import Case, CheckContext, Response

from adapters.security.jwt_tokens import JwtAccessTokens
from application.tenants.create_tenant import CreateTenantCommand
from entrypoints.container import build_container
from entrypoints.http.app import create_app
from entrypoints.settings import Settings

TENANT = "ten_fuzz"
PLATFORM_PATHS = ("/api/v1/tenants", "/api/v1/fee-tiers", "/api/v1/webhooks/health")
MAX_EXAMPLES = 10
# High enough that the portal's handlers are fuzzed, not only its 429 (documented too).
PORTAL_BUDGET = 1_000_000

# Schema-valid requests Kassa refuses with 400 on purpose, for facts no schema can state,
# as (code, param): an id that names nothing (`resource_missing`, as Stripe: an unknown
# cursor or fee tier, SPEC §8; a payment method the gateway does not know), an amount
# below the currency's minimum charge (§3), an invoice whose lines total nothing, and an
# Idempotency-Key the fuzzer already sent with another body (§5).
DELIBERATE_REFUSALS = frozenset(
    {
        ("resource_missing", "starting_after"),
        ("resource_missing", "ending_before"),
        ("resource_missing", "fee_tier"),
        ("gateway_invalid_request", "payment_method"),
        ("amount_too_small", "amount"),
        ("invalid_amount", "lines"),
        ("idempotency_key_reused", "Idempotency-Key"),
        # A webhook endpoint's URL must parse and, outside dev, resolve to a public
        # address: no pattern can say either (SSRF guard, §14).
        ("url_not_allowed", "url"),
    }
)

SETTINGS = Settings(
    env="test",
    database_url="memory://",
    consumer_in_process=False,
    portal_view_rate_limit=PORTAL_BUDGET,
    portal_pay_rate_limit=PORTAL_BUDGET,
    portal_methods_rate_limit=PORTAL_BUDGET,
    portal_failed_auth_rate_limit=PORTAL_BUDGET,
)
CONTAINER = build_container(SETTINGS)
# Loaded when the module is collected, as schemathesis needs; nothing connects until a call.
schema = schemathesis.openapi.from_asgi("/schema/openapi.json", create_app(CONTAINER))
schema.config.generation.update(max_examples=MAX_EXAMPLES, deterministic=True, no_shrink=True)


@pytest.fixture(scope="module", autouse=True)
def tenant() -> None:
    command = CreateTenantCommand(name="Fuzz", tenant_id=TENANT)
    asyncio.run(CONTAINER.create_tenant().execute(command))


@schema.auth(refresh_interval=None)
class AdminTokens:
    """A platform_admin for the platform's operations, a merchant_admin for the rest."""

    def get(self, case: Case, context: Any) -> str:
        role = "platform_admin" if case.path.startswith(PLATFORM_PATHS) else "merchant_admin"
        return JwtAccessTokens(SETTINGS.jwt_secret).issue(
            subject="usr_fuzz",
            tenant_id=TENANT,
            roles=[role],
            now=datetime.now(UTC),
            ttl=timedelta(hours=1),
        )

    def set(self, case: Case, data: str, context: Any) -> None:
        case.headers["Authorization"] = f"Bearer {data}"


def accepts_valid_data_but_deliberate_refusals(
    ctx: CheckContext, response: Response, case: Case
) -> bool | None:
    """schemathesis' positive_data_acceptance, but for DELIBERATE_REFUSALS, for both
    cursors at once (OpenAPI cannot say that two parameters exclude each other, §8), and
    for `7.0` where an integer goes: JSON Schema calls it an integer, Kassa takes no
    floats at all (§2), and no schema keyword tells the two apart."""
    if response.status_code == 400:
        code, param = _code_and_param(response)
        both_cursors = {"starting_after", "ending_before"} <= set(case.query or {})
        if (
            (code, param) in DELIBERATE_REFUSALS
            or (both_cursors and param == "ending_before")
            or (code == "parameter_invalid" and _has_float(case.body))
        ):
            return None
    return schemathesis.checks.positive_data_acceptance(ctx, response, case)


def _has_float(value: object) -> bool:
    if isinstance(value, dict):
        return any(_has_float(item) for item in value.values())
    if isinstance(value, list):
        return any(_has_float(item) for item in value)
    return isinstance(value, float)


def _code_and_param(response: Response) -> tuple[object, object]:
    try:
        error = msgspec.json.decode(response.content)["error"]
        return error["code"], error["param"]
    except (msgspec.DecodeError, KeyError, TypeError):
        return None, None


@schema.parametrize()
def test_every_operation_answers_as_documented_and_never_5xx(case: Case) -> None:
    case.call_and_validate(
        excluded_checks=[schemathesis.checks.positive_data_acceptance],
        additional_checks=[accepts_valid_data_but_deliberate_refusals],
    )
