"""`kassa tenants|tiers|fees|audit` on a migrated SQLite file named by KASSA_DATABASE_URL."""

from __future__ import annotations

import getpass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from adapters.persistence.sql.migrate import upgrade_sync
from application.payments.create_payment import CreatePaymentCommand
from domain.capture_method import CaptureMethod
from domain.tenant import TenantSuspendedError
from entrypoints.cli.context import CliState, run
from entrypoints.cli.main import cli
from entrypoints.cli.operator import operator_actor
from entrypoints.settings import Settings
from tests.unit.cli_runner import Kassa, as_json, refused


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'kassa.db'}"
    upgrade_sync(url)  # the migrations seed the fee tiers
    return url


@pytest.fixture
def kassa(database_url: str) -> Kassa:
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        return runner.invoke(cli, list(args), env={"KASSA_DATABASE_URL": database_url})

    return invoke


def charge(
    state: CliState, tenant_id: str, order_id: str, amount: int, currency: str = "USD"
) -> None:
    """A payment captured at once, as a server sharing the database would take it."""
    command = CreatePaymentCommand(
        tenant_id=tenant_id,
        order_id=order_id,
        amount=amount,
        currency=currency,
        capture_method=CaptureMethod.AUTOMATIC,
        confirm=True,
        payment_method="pm_card_visa",
    )
    run(state, lambda c: c.create_payment().execute(command))


@pytest.fixture
def server(database_url: str) -> CliState:
    """Another process on the same database (one fake gateway: its ids never repeat)."""
    return CliState(Settings(database_url=database_url))


@pytest.fixture
def acme(kassa: Kassa) -> str:
    created = kassa("tenants", "create", "Acme Ltd", "--id", "ten_acme", "--json")
    return str(as_json(created)["id"])


# ------------------------------------------------------------------------- tenants


def test_tenants_create_prints_the_tenant_and_its_fees(kassa: Kassa) -> None:
    result = kassa("tenants", "create", "Bakery", "--tier", "professional")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("Created tenant ten_")
    assert "Fee tier           professional  (1.50 %)" in result.stdout
    assert "Fees in force      1.50 %" in result.stdout


def test_tenants_create_json_is_the_api_resource(kassa: Kassa) -> None:
    tenant = as_json(
        kassa(
            "tenants",
            "create",
            "Florist",
            "--id",
            "ten_florist",
            "--connected-account",
            "acct_1Flo",
            "--json",
        )
    )
    assert tenant == {
        "id": "ten_florist",
        "object": "tenant",
        "name": "Florist",
        "status": "active",
        "fee_tier": "starter",
        "fee_override": None,
        "connected_account_id": "acct_1Flo",
        "created_at": tenant["created_at"],
        "updated_at": tenant["updated_at"],
    }
    assert tenant["created_at"].endswith("Z")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--tier", "gold"], "Error: resource_missing: No fee tier 'gold'."),
        (["--id", "ten acme"], "Error: --id is 1 to 64 letters, digits, '_' or '-'."),
        (
            ["--connected-account", "cus_1"],
            "Error: --connected-account is a Stripe account id, acct_….",
        ),
    ],
)
def test_tenants_create_refuses_bad_input_and_creates_nothing(
    kassa: Kassa, args: list[str], message: str
) -> None:
    assert refused(kassa("tenants", "create", "Nope", *args)) == message
    assert as_json(kassa("tenants", "list", "--json"))["data"] == []


def test_a_taken_tenant_id_is_refused(kassa: Kassa, acme: str) -> None:
    line = refused(kassa("tenants", "create", "Again", "--id", acme))
    assert line.startswith("Error: conflict: Tenant ten_acme exists already")


def test_tenants_list_shows_a_table_and_json(kassa: Kassa, acme: str) -> None:
    kassa("tenants", "create", "Bakery", "--id", "ten_bakery", "--tier", "enterprise")
    lines = kassa("tenants", "list").stdout.splitlines()
    assert lines[0].split()[:4] == ["ID", "NAME", "STATUS", "TIER"]
    assert any(line.startswith("ten_acme") and "starter" in line for line in lines[1:])
    assert any(line.startswith("ten_bakery") and "enterprise" in line for line in lines[1:])
    listed = as_json(kassa("tenants", "list", "--json"))
    assert listed["object"] == "list"
    assert sorted(t["id"] for t in listed["data"]) == ["ten_acme", "ten_bakery"]


def test_tenants_show_an_unknown_tenant_is_one_line_and_exit_1(kassa: Kassa) -> None:
    line = refused(kassa("tenants", "show", "ten_nobody"))
    assert line == "Error: resource_missing: No such tenant: ten_nobody."


def test_set_tier_moves_the_tenant(kassa: Kassa, acme: str) -> None:
    result = kassa("tenants", "set-tier", acme, "enterprise")
    assert result.exit_code == 0, result.stderr
    assert "ten_acme is on the enterprise tier." in result.stdout
    assert as_json(kassa("tenants", "show", acme, "--json"))["fee_tier"] == "enterprise"


def test_set_tier_to_an_unknown_tier_changes_nothing(kassa: Kassa, acme: str) -> None:
    assert refused(kassa("tenants", "set-tier", acme, "gold")).startswith(
        "Error: resource_missing: No fee tier 'gold'"
    )
    assert as_json(kassa("tenants", "show", acme, "--json"))["fee_tier"] == "starter"


def test_set_override_then_clear_it(kassa: Kassa, acme: str) -> None:
    result = kassa("tenants", "set-override", acme, "--bps", "100", "--fixed", "usd=30")
    assert result.exit_code == 0, result.stderr
    assert "Override           1.00 % + 0.30 USD fixed" in result.stdout
    assert "Fees in force      1.00 % + 0.30 USD fixed" in result.stdout
    shown = as_json(kassa("tenants", "show", acme, "--json"))
    assert shown["fee_override"] == {"percentage_bps": 100, "fixed_amounts": {"usd": 30}}

    cleared = as_json(kassa("tenants", "set-override", acme, "--clear", "--json"))
    assert cleared["fee_override"] is None


def test_set_override_of_fixed_fees_only_keeps_the_tier_percentage(kassa: Kassa, acme: str) -> None:
    result = kassa("tenants", "set-override", acme, "--fixed", "usd=30", "--fixed", "JPY=0")
    assert "Fees in force      3.00 % + 0 JPY, 0.30 USD fixed" in result.stdout
    no_fixed = as_json(kassa("tenants", "set-override", acme, "--no-fixed", "--json"))
    assert no_fixed["fee_override"] == {"percentage_bps": None, "fixed_amounts": {}}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "Error: Give --bps, --fixed, --no-fixed or --clear."),
        (["--clear", "--bps", "10"], "Error: --clear removes the override; give it alone."),
        (["--fixed", "usd"], "Error: --fixed takes CUR=AMOUNT in minor units, such as usd=30;"),
        (["--fixed", "usd=0.3"], "Error: --fixed takes CUR=AMOUNT in minor units"),
        (["--fixed", "usd=1", "--no-fixed"], "Error: Give --fixed or --no-fixed, not both."),
        (["--bps", "-1"], "Error: invalid_fee: percentage_bps is a whole number from 0 to 10000."),
        (["--bps", "10001"], "Error: invalid_fee: percentage_bps is a whole number"),
        (["--fixed", "usd=-30"], "Error: invalid_fee: A fixed fee is a non-negative"),
        (["--fixed", "xyz=30"], "Error: invalid_fee: Unknown currency 'xyz' in fixed_amounts."),
    ],
)
def test_set_override_refuses_bad_input_and_changes_nothing(
    kassa: Kassa, acme: str, args: list[str], message: str
) -> None:
    kassa("tenants", "set-override", acme, "--bps", "42")
    assert refused(kassa("tenants", "set-override", acme, *args)).startswith(message)
    shown = as_json(kassa("tenants", "show", acme, "--json"))
    assert shown["fee_override"] == {"percentage_bps": 42, "fixed_amounts": None}


def test_a_suspended_tenant_takes_no_payment_until_resumed(
    kassa: Kassa, acme: str, server: CliState
) -> None:
    result = kassa("tenants", "suspend", acme)
    assert result.exit_code == 0, result.stderr
    assert "ten_acme is suspended." in result.stdout
    with pytest.raises(TenantSuspendedError):
        charge(server, acme, "ord_1", 10_000)
    resumed = as_json(kassa("tenants", "suspend", acme, "--resume", "--json"))
    assert resumed["status"] == "active"
    charge(server, acme, "ord_1", 10_000)


# ------------------------------------------------------------------------- tiers


def test_tiers_list_shows_percentages_without_floats(kassa: Kassa) -> None:
    lines = kassa("tiers", "list").stdout.splitlines()
    assert lines[0].split() == ["CODE", "NAME", "LEVEL", "PERCENTAGE", "FIXED"]
    assert lines[1].split() == ["starter", "Starter", "1", "3.00", "%", "none"]
    assert lines[2].split()[3:5] == ["1.50", "%"]
    assert lines[3].split()[3:5] == ["0.50", "%"]
    listed = as_json(kassa("tiers", "list", "--json"))
    assert [(t["code"], t["level"], t["percentage_bps"]) for t in listed["data"]] == [
        ("starter", 1, 300),
        ("professional", 2, 150),
        ("enterprise", 3, 50),
    ]


def test_tiers_set_reprices_a_tier(kassa: Kassa) -> None:
    result = kassa("tiers", "set", "starter", "--bps", "250", "--fixed", "usd=10")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "Tier starter (Starter): 2.50 % + 0.10 USD fixed.\n"
    renamed = as_json(kassa("tiers", "set", "starter", "--name", "Basic", "--json"))
    assert renamed == {
        "code": "starter",
        "object": "fee_tier",
        "name": "Basic",
        "level": 1,
        "percentage_bps": 250,
        "fixed_amounts": {"usd": 10},
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["starter"], "Error: Give --bps, --fixed, --no-fixed or --name."),
        (["starter", "--bps", "20000"], "Error: invalid_fee: percentage_bps is a whole number"),
        (["starter", "--fixed", "eur=-1"], "Error: invalid_fee: A fixed fee is a non-negative"),
        (["gold", "--bps", "10"], "Error: resource_missing: No fee tier 'gold'."),
    ],
)
def test_tiers_set_refuses_bad_input_and_changes_nothing(
    kassa: Kassa, args: list[str], message: str
) -> None:
    before = as_json(kassa("tiers", "list", "--json"))
    assert refused(kassa("tiers", "set", *args)).startswith(message)
    assert as_json(kassa("tiers", "list", "--json")) == before


# ------------------------------------------------------------------------- fees simulate


@pytest.fixture
def acme_payments(acme: str, server: CliState) -> str:
    charge(server, acme, "ord_1", 10_000)
    charge(server, acme, "ord_2", 5_000)
    charge(server, acme, "ord_3", 10_000, "JPY")
    return acme


def simulate(kassa: Kassa, tenant: str, tier: str, *options: str) -> Result:
    """`kassa fees simulate --tenant TENANT --tier TIER OPTIONS…`."""
    return kassa("fees", "simulate", "--tenant", tenant, "--tier", tier, *options)


def test_fees_simulate_compares_the_fees_per_currency(kassa: Kassa, acme_payments: str) -> None:
    result = simulate(kassa, acme_payments, "professional")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    header = next(line for line in lines if line.startswith("CURRENCY"))
    assert "FEES ON PROFESSIONAL" in header
    rows = {line[:3]: " ".join(line.split()) for line in lines if line[:3] in ("USD", "JPY")}
    # 150.00 USD on starter (3 %) is 4.50; on professional (1.5 %) 2.25.
    assert rows["USD"] == "USD 2 150.00 USD 4.50 USD 2.25 USD -2.25 USD +2.25 USD"
    assert rows["JPY"] == "JPY 1 10000 JPY 300 JPY 150 JPY -150 JPY +150 JPY"


def test_fees_simulate_json_for_scripts(kassa: Kassa, acme_payments: str) -> None:
    report = as_json(simulate(kassa, acme_payments, "enterprise", "--json"))
    assert (report["tenant_id"], report["current_tier"], report["tier"]) == (
        "ten_acme",
        "starter",
        "enterprise",
    )
    usd = next(row for row in report["currencies"] if row["currency"] == "usd")
    assert usd == {
        "currency": "usd",
        "payments": 2,
        "captured": 15_000,
        "platform_fees": 450,
        "simulated_platform_fees": 75,
        "platform_difference": -375,
        "net": 15_000 - 450 - (320 + 175),
        "simulated_net": 15_000 - 75 - (320 + 175),
        "merchant_difference": 375,
    }


def test_fees_simulate_counts_only_the_period(kassa: Kassa, acme_payments: str) -> None:
    later = simulate(kassa, acme_payments, "enterprise", "--from", "2999-01-01")
    assert later.exit_code == 0, later.stderr
    assert "No captured payments for ten_acme from 2999-01-01T00:00:00Z to now." in later.stdout
    window = as_json(
        simulate(
            kassa,
            acme_payments,
            "enterprise",
            "--from",
            "2000-01-01T00:00:00Z",
            "--to",
            "2999-12-31",
            "--json",
        )
    )
    assert sum(row["payments"] for row in window["currencies"]) == 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--tenant", "ten_acme", "--tier", "gold"],
            "Error: resource_missing: No fee tier 'gold'.",
        ),
        (["--tenant", "ten_x", "--tier", "starter"], "Error: resource_missing: No such tenant"),
        (
            ["--tenant", "ten_acme", "--tier", "starter", "--from", "yesterday"],
            "Error: --from takes an ISO 8601 date or time",
        ),
        (
            [
                "--tenant",
                "ten_acme",
                "--tier",
                "starter",
                "--from",
                "2025-02-01",
                "--to",
                "2025-01-01",
            ],
            "Error: --from is after --to.",
        ),
    ],
)
def test_fees_simulate_refuses_bad_input(
    kassa: Kassa, acme: str, args: list[str], message: str
) -> None:
    assert refused(kassa("fees", "simulate", *args)).startswith(message)


# ------------------------------------------------------------------------- audit


def test_operator_changes_are_audited_as_the_os_user(kassa: Kassa, acme: str) -> None:
    kassa("tenants", "set-tier", acme, "professional")
    kassa("tiers", "set", "enterprise", "--bps", "40")
    page = as_json(kassa("audit", "list", "--json"))
    assert page["object"] == "list"
    actions = [e["action"] for e in page["data"]]
    assert actions == ["fee_tier.updated", "tenant.fee_tier_changed", "tenant.created"]
    actor = page["data"][1]["actor"]
    assert (actor["kind"], actor["id"]) == ("operator", operator_actor().id)
    assert actor["id"] == getpass.getuser()
    assert page["data"][1]["details"] == {"old": "starter", "new": "professional"}


def test_audit_list_filters_and_pages(kassa: Kassa, acme: str) -> None:
    kassa("tenants", "create", "Bakery", "--id", "ten_bakery")
    kassa("tenants", "set-override", acme, "--bps", "100", "--fixed", "usd=30")
    kassa("tenants", "suspend", acme)

    mine = as_json(kassa("audit", "list", "--tenant", acme, "--json"))
    assert {e["tenant_id"] for e in mine["data"]} == {acme}
    assert len(mine["data"]) == 3
    override = as_json(kassa("audit", "list", "--action", "tenant.fee_override_set", "--json"))
    (entry,) = override["data"]
    assert entry["details"]["new"] == {"percentage_bps": 100, "fixed_amounts": {"usd": 30}}
    about = as_json(kassa("audit", "list", "--entity", "ten_bakery", "--json"))
    assert [e["action"] for e in about["data"]] == ["tenant.created"]

    first = as_json(kassa("audit", "list", "--limit", "2", "--json"))
    assert first["has_more"] is True and len(first["data"]) == 2
    table = kassa("audit", "list", "--limit", "2").stdout
    assert f"More: --starting-after {first['data'][-1]['id']}" in table
    rest = as_json(kassa("audit", "list", "--starting-after", first["data"][-1]["id"], "--json"))
    assert len(rest["data"]) == 2 and rest["has_more"] is False


def test_audit_list_table_for_people(kassa: Kassa, acme: str) -> None:
    kassa("tenants", "set-override", acme, "--bps", "100", "--fixed", "usd=30")
    lines = kassa("audit", "list").stdout.splitlines()
    assert lines[0].split() == ["CREATED", "ACTION", "ENTITY", "TENANT", "ACTOR", "DETAILS"]
    assert "tenant.fee_override_set" in lines[1]
    assert f"operator:{operator_actor().id}" in lines[1]
    assert '"usd": 30' in lines[1]
    assert "No audit entries match." in kassa("audit", "list", "--action", "nothing").stdout
