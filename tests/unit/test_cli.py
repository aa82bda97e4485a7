"""The `kassa` command line, on the memory store: output for people and scripts, failures."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path

import jwt
import pytest
from click.testing import CliRunner

from adapters.persistence.sql.migrate import upgrade_sync
from application.payments.create_payment import CreatePaymentCommand
from domain.capture_method import CaptureMethod
from domain.payment import Payment
from entrypoints.cli.context import DEMO_TENANT_ID, CliState
from entrypoints.cli.main import cli
from entrypoints.cli.serve import banner
from entrypoints.settings import Settings
from tests.unit.cli_runner import Kassa

MEMORY = Settings(database_url="memory://")


@pytest.fixture
def state() -> CliState:
    return CliState(MEMORY)


def authorize(state: CliState, amount: int, order_id: str = "order-1") -> Payment:
    command = CreatePaymentCommand(
        tenant_id=DEMO_TENANT_ID,
        order_id=order_id,
        amount=amount,
        currency="USD",
        capture_method=CaptureMethod.MANUAL,
        confirm=True,
        payment_method="pm_card_visa",
    )
    return asyncio.run(state.container.create_payment().execute(command))


def test_auth_token_prints_one_jwt_and_nothing_else(kassa: Kassa, state: CliState) -> None:
    kassa("tenants", "create", "X", "--id", "ten_x")
    result = kassa("auth", "token", "--tenant", "ten_x", "--role", "merchant_admin")
    assert result.exit_code == 0
    assert result.stderr == ""
    (token,) = result.stdout.splitlines()
    principal = state.container.access_tokens().verify(token)
    assert principal.tenant_id == "ten_x"
    assert principal.has("merchant_admin") and principal.has("merchant")


def test_demo_creates_the_demo_tenant_once_then_reuses_it(kassa: Kassa) -> None:
    first = json.loads(kassa("demo", "--json").stdout)
    second = json.loads(kassa("demo", "--json").stdout)
    assert first["tenant_id"] == second["tenant_id"] == DEMO_TENANT_ID
    assert {"merchant_token", "admin_token", "platform_token"} <= first.keys()
    assert "reused" in kassa("demo").stdout


def test_demo_tokens_carry_one_role_each(kassa: Kassa, state: CliState) -> None:
    demo = json.loads(kassa("demo", "--json").stdout)
    verify = state.container.access_tokens().verify
    assert verify(demo["platform_token"]).roles == {"platform_admin"}
    assert verify(demo["merchant_token"]).roles == {"merchant"}
    assert verify(demo["admin_token"]).has("merchant_admin")


def test_payments_list_shows_amounts_with_the_currency_decimals(
    kassa: Kassa, state: CliState
) -> None:
    kassa("demo", "--json")
    assert "No payments" in kassa("payments", "list").stdout
    authorize(state, 10_000)
    authorize(state, 2_550, order_id="order-2")
    lines = kassa("payments", "list").stdout.splitlines()
    assert lines[0].split() == [
        "ID",
        "ORDER",
        "STATUS",
        "AMOUNT",
        "CAPTURED",
        "REFUNDED",
        "CREATED",
    ]
    assert "25.50 USD" in lines[1] and "100.00 USD" in lines[2]
    assert len({line.index("USD") for line in lines[1:]}) == 1, "amounts line up"


def test_payments_list_json_pages_like_the_api(kassa: Kassa, state: CliState) -> None:
    kassa("demo", "--json")
    first = authorize(state, 10_000)
    authorize(state, 2_000, order_id="order-2")
    page = json.loads(kassa("payments", "list", "--limit", "1", "--json").stdout)
    assert page["object"] == "list" and page["has_more"] is True
    after = page["data"][0]["id"]
    rest = json.loads(kassa("payments", "list", "--starting-after", after, "--json").stdout)
    assert [p["id"] for p in rest["data"]] == [first.id]
    assert rest["data"][0]["amount"] == 10_000 and rest["data"][0]["currency"] == "usd"


def test_capture_then_refund_from_the_command_line(kassa: Kassa, state: CliState) -> None:
    kassa("demo", "--json")
    payment = authorize(state, 10_000)
    captured = kassa("payments", "capture", payment.id, "--amount", "6000")
    assert captured.exit_code == 0, captured.stderr
    assert "Captured 60.00 USD" in captured.stdout
    assert "1.80 USD" in captured.stdout  # the starter tier's 3 %
    refund = kassa("payments", "refund", payment.id, "--amount", "1000", "--json")
    body = json.loads(refund.stdout)
    assert (body["object"], body["amount"], body["status"]) == ("refund", 1000, "succeeded")
    assert body["payment"]["amount_refunded"] == 1000


def test_cancel_releases_the_authorization(kassa: Kassa, state: CliState) -> None:
    kassa("demo", "--json")
    payment = authorize(state, 10_000)
    result = kassa("payments", "cancel", payment.id, "--reason", "abandoned", "--json")
    body = json.loads(result.stdout)
    assert (body["status"], body["cancellation_reason"]) == ("canceled", "abandoned")
    assert body["amount_capturable"] == 0


def test_a_refused_operation_is_one_line_on_stderr_and_exit_1(kassa: Kassa) -> None:
    kassa("demo", "--json")
    result = kassa("payments", "show", "pay_missing")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == "Error: resource_missing: No such payment: pay_missing.\n"


def test_bad_settings_stop_every_command_with_one_line() -> None:
    result = CliRunner().invoke(
        cli,
        ["auth", "token", "--tenant", "t", "--role", "merchant"],
        env={"KASSA_JWT_SECRET": "short"},
    )
    assert result.exit_code == 1
    assert result.stderr == "Error: KASSA_JWT_SECRET must be at least 32 characters.\n"


def test_db_migrate_on_the_memory_store_has_nothing_to_do(kassa: Kassa) -> None:
    result = kassa("db", "migrate")
    assert result.exit_code == 0
    assert "nothing to migrate" in result.stdout


def test_serve_says_where_the_docs_are_and_how_to_get_a_token() -> None:
    text = banner(MEMORY, "0.0.0.0", 8080)
    assert "http://127.0.0.1:8080/schema" in text
    assert "demo --json" in text and "auth token --tenant" in text


def test_auth_token_refuses_a_tenant_that_does_not_exist(kassa: Kassa) -> None:
    result = kassa("auth", "token", "--tenant", "ten_nobody", "--role", "platform_admin")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == "Error: resource_missing: No such tenant: ten_nobody.\n"


def test_token_lifetime_follows_ttl_minutes(kassa: Kassa) -> None:
    kassa("tenants", "create", "T", "--id", "t")
    result = kassa("auth", "token", "--tenant", "t", "--role", "merchant", "--ttl-minutes", "5")
    claims = jwt.decode(result.stdout.strip(), options={"verify_signature": False})
    assert timedelta(seconds=claims["exp"] - claims["iat"]) == timedelta(minutes=5)


def test_gateway_actions_are_refused_when_the_fake_gateway_lives_in_the_server(
    tmp_path: Path,
) -> None:
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path}/kassa.db", fake_gateway_state="memory"
    )
    state = CliState(settings)
    for action in (["capture", "pay_1"], ["cancel", "pay_1"], ["refund", "pay_1"]):
        result = CliRunner().invoke(cli, ["payments", *action], obj=state)
        assert result.exit_code == 1
        assert "KASSA_FAKE_GATEWAY_STATE=memory" in result.stderr
        assert len(result.stderr.splitlines()) == 1


def test_gateway_actions_reach_the_fake_gateway_in_the_database(tmp_path: Path) -> None:
    state = CliState(Settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/kassa.db"))
    upgrade_sync(state.settings.database_url)
    result = CliRunner().invoke(cli, ["payments", "capture", "pay_missing"], obj=state)
    assert result.exit_code == 1
    assert "No such payment: pay_missing" in result.stderr  # asked, not refused up front


def demo_from_another_terminal(**env: str) -> dict[str, str]:
    """`kassa demo --json` in a fresh process whose environment is `env` (on the memory
    store): the links it prints come from the settings `kassa serve` reads."""
    env = {"KASSA_DATABASE_URL": "memory://", "KASSA_BCRYPT_ROUNDS": "4", **env}
    result = CliRunner().invoke(cli, ["demo", "--json"], env=env)
    assert result.exit_code == 0, result.output
    shown: dict[str, str] = json.loads(result.stdout)
    return shown


@pytest.mark.parametrize(
    ("env", "base"),
    [
        ({}, "http://127.0.0.1:8000"),
        ({"KASSA_PORT": "9123"}, "http://127.0.0.1:9123"),
        # A server listening on every interface is reached on this machine's loopback,
        # as `kassa serve` says in its banner: never a link to http://0.0.0.0 or http://:::
        ({"KASSA_HOST": "0.0.0.0", "KASSA_PORT": "9123"}, "http://127.0.0.1:9123"),
        ({"KASSA_HOST": "::", "KASSA_PORT": "9123"}, "http://127.0.0.1:9123"),
        ({"KASSA_HOST": "::1", "KASSA_PORT": "9123"}, "http://[::1]:9123"),
        ({"KASSA_HOST": "kassa.lan"}, "http://kassa.lan:8000"),
        # The public address wins over where the server listens (a proxy in front of it).
        (
            {"KASSA_PUBLIC_BASE_URL": "https://pay.example.com/", "KASSA_PORT": "9123"},
            "https://pay.example.com",
        ),
    ],
)
def test_demo_links_name_the_address_the_server_uses(env: dict[str, str], base: str) -> None:
    shown = demo_from_another_terminal(**env)
    assert shown["api_url"] == base + "/api/v1"
    assert shown["portal_url"] == f"{base}/pay/{shown['portal_token']}"


def test_demo_help_says_where_its_links_come_from() -> None:
    text = " ".join(CliRunner().invoke(cli, ["demo", "--help"]).stdout.split())
    assert "KASSA_PUBLIC_BASE_URL" in text and "KASSA_HOST" in text and "KASSA_PORT" in text
    assert "--host/--port" in text


def test_one_process_runs_many_commands_on_one_sqlite_state(tmp_path: Path) -> None:
    """Every `run` has its own event loop: nothing built on the last loop's engine (the
    webhook queue's autocommit engine, the fake gateway's books) may outlive it."""
    state = CliState(Settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/kassa.db"))
    upgrade_sync(state.settings.database_url)
    for _ in range(3):
        result = CliRunner().invoke(cli, ["webhooks", "consume", "--once"], obj=state)
        assert (result.exit_code, result.stdout) == (0, "Applied: no events\n"), result.output
        assert CliRunner().invoke(cli, ["gateway", "list"], obj=state).exit_code == 0
