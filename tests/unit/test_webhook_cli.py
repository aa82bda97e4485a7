"""`kassa webhooks …` and `kassa reconcile` on the memory store: people, scripts, failures."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from dependency_injector import providers

from adapters.gateways.stripe_signature import sign
from adapters.system.clock import FixedClock
from application.payments.create_payment import CreatePaymentCommand
from application.tenants.create_tenant import CreateTenantCommand
from domain.capture_method import CaptureMethod
from domain.payment import Payment
from entrypoints.cli.context import DEMO_TENANT_ID, CliState
from entrypoints.cli.main import cli
from entrypoints.settings import Settings
from tests.unit.cli_runner import Kassa

SECRET = "whsec_fake_kassa"
STRIPE_SECRET = "whsec_cli_stripe"
NOW = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def state(clock: FixedClock) -> CliState:
    state = CliState(Settings(database_url="memory://", stripe_webhook_secret=STRIPE_SECRET))
    state.container.clock.override(providers.Object(clock))
    return state


def deliver(
    state: CliState,
    event_id: str,
    event_type: str,
    obj: dict[str, object],
    gateway: str = "fake",
) -> None:
    body = json.dumps(
        {"id": event_id, "object": "event", "type": event_type, "data": {"object": obj}}
    ).encode()
    secret = STRIPE_SECRET if gateway == "stripe" else SECRET
    signature = sign(body, secret, int(NOW.timestamp()))
    asyncio.run(state.container.receive_webhook().execute(gateway, body, signature))


ORPHAN = {
    "id": "pi_unknown",
    "object": "payment_intent",
    "amount": 1000,
    "currency": "usd",
    "status": "succeeded",
}


def test_consume_once_applies_what_is_due_and_says_what_happened(
    kassa: Kassa, state: CliState
) -> None:
    deliver(state, "evt_info", "payment_intent.created", {})
    deliver(state, "evt_other", "customer.created", {})
    deliver(state, "evt_orphan", "payment_intent.succeeded", ORPHAN)
    result = kassa("webhooks", "consume", "--once", "--concurrency", "2")
    assert result.exit_code == 0, result.output
    # The informational and the unhandled types were done on receipt: never claimed.
    assert result.stdout.strip() == "Applied: 1 failed"
    shown = json.loads(kassa("webhooks", "list", "--json").stdout)["data"]
    assert {e["id"]: e["status"] for e in shown} == {
        "evt_info": "processed", "evt_other": "ignored", "evt_orphan": "failed",
    }  # fmt: skip
    again = kassa("webhooks", "consume", "--once")
    assert again.stdout.strip() == "Applied: no events"  # the failure is retried later


def test_list_shows_events_newest_first_and_filters(kassa: Kassa, state: CliState) -> None:
    deliver(state, "evt_a", "payment_intent.created", {})
    deliver(state, "evt_b", "customer.created", {})
    assert kassa("webhooks", "consume", "--once").exit_code == 0
    table = kassa("webhooks", "list").stdout.splitlines()
    assert table[0].split() == [
        "ID", "GATEWAY", "TYPE", "STATUS", "ATTEMPTS", "RECEIVED", "LAST", "ERROR",
    ]  # fmt: skip
    assert {line.split()[0] for line in table[1:]} == {"evt_a", "evt_b"}
    only = json.loads(kassa("webhooks", "list", "--status", "ignored", "--json").stdout)
    assert [e["id"] for e in only["data"]] == ["evt_b"]
    assert only["data"][0]["object"] == "webhook_event" and only["has_more"] is False
    typed = json.loads(
        kassa("webhooks", "list", "--type", "payment_intent.created", "--json").stdout
    )
    assert [e["id"] for e in typed["data"]] == ["evt_a"]
    paged = kassa("webhooks", "list", "--limit", "1")
    assert "More: --starting-after" in paged.stdout
    assert kassa("webhooks", "list", "--status", "bogus").exit_code == 2


def test_show_prints_the_event_and_its_payload(kassa: Kassa, state: CliState) -> None:
    deliver(state, "evt_orphan", "payment_intent.succeeded", ORPHAN)
    kassa("webhooks", "consume", "--once")
    text = kassa("webhooks", "show", "evt_orphan").stdout
    assert "payment_intent.succeeded" in text
    assert "failed  after 1 attempt(s)" in text
    assert "unknown_payment" in text
    assert '  "type": "payment_intent.succeeded",' in text  # pretty-printed
    data = json.loads(kassa("webhooks", "show", "evt_orphan", "--json").stdout)
    assert data["payload"]["data"]["object"]["id"] == "pi_unknown"
    assert data["status"] == "failed" and data["attempts"] == 1
    missing = kassa("webhooks", "show", "evt_nope")
    assert missing.exit_code == 1
    assert missing.stderr.strip() == "Error: resource_missing: No such webhook event: evt_nope."


def kill(kassa: Kassa, clock: FixedClock) -> None:
    """Let every retry of the orphan fail, until it is dead."""
    for _ in range(8):
        kassa("webhooks", "consume", "--once")
        clock.advance(timedelta(hours=2))


def test_replay_sends_dead_events_back_to_pending(
    kassa: Kassa, state: CliState, clock: FixedClock
) -> None:
    deliver(state, "evt_orphan", "payment_intent.succeeded", ORPHAN)
    kill(kassa, clock)
    assert json.loads(kassa("webhooks", "stats", "--json").stdout)["dead"] == 1
    result = kassa("webhooks", "replay", "--dead")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "Replayed 1 event(s): pending again."
    assert "Replaying" in result.stderr  # the progress bar, away from stdout
    event = json.loads(kassa("webhooks", "show", "evt_orphan", "--json").stdout)
    assert (event["status"], event["attempts"]) == ("pending", 0)
    assert kassa("webhooks", "replay", "--dead").stdout.strip() == "No dead events to replay."


def test_replay_by_id_and_its_refusals(kassa: Kassa, state: CliState) -> None:
    deliver(state, "evt_a", "payment_intent.created", {})
    kassa("webhooks", "consume", "--once")
    assert kassa("webhooks", "replay", "evt_a").exit_code == 0
    assert json.loads(kassa("webhooks", "show", "evt_a", "--json").stdout)["status"] == "pending"
    unknown = kassa("webhooks", "replay", "evt_a", "evt_nope")
    assert unknown.exit_code == 1
    assert "resource_missing" in unknown.stderr
    assert kassa("webhooks", "replay").exit_code == 2
    assert kassa("webhooks", "replay", "evt_a", "--dead").exit_code == 2


def test_an_id_two_gateways_sent_is_named_with_its_gateway(kassa: Kassa, state: CliState) -> None:
    deliver(state, "evt_same", "payment_intent.created", {}, gateway="fake")
    deliver(state, "evt_same", "customer.created", {}, gateway="stripe")
    listed = json.loads(kassa("webhooks", "list", "--json").stdout)["data"]
    assert sorted((e["gateway"], e["id"]) for e in listed) == [
        ("fake", "evt_same"), ("stripe", "evt_same"),
    ]  # fmt: skip
    stripe_only = json.loads(kassa("webhooks", "list", "--gateway", "stripe", "--json").stdout)
    assert [(e["gateway"], e["type"]) for e in stripe_only["data"]] == [
        ("stripe", "customer.created")
    ]

    ambiguous = kassa("webhooks", "show", "evt_same")
    assert ambiguous.exit_code == 1
    assert ambiguous.stderr.startswith("Error: ambiguous_event: fake and stripe each sent")
    assert kassa("webhooks", "replay", "evt_same").exit_code == 1
    assert kassa("webhooks", "list", "--starting-after", "evt_same").exit_code == 1

    shown = json.loads(
        kassa("webhooks", "show", "evt_same", "--gateway", "stripe", "--json").stdout
    )
    assert (shown["gateway"], shown["type"]) == ("stripe", "customer.created")
    kassa("webhooks", "consume", "--once")
    replayed = kassa("webhooks", "replay", "evt_same", "--gateway", "fake")
    assert replayed.exit_code == 0, replayed.output
    statuses = {
        gateway: json.loads(
            kassa("webhooks", "show", "evt_same", "--gateway", gateway, "--json").stdout
        )["status"]
        for gateway in ("fake", "stripe")
    }
    assert statuses == {"fake": "pending", "stripe": "ignored"}


def test_stats_count_every_status_and_the_lag(
    kassa: Kassa, state: CliState, clock: FixedClock
) -> None:
    deliver(state, "evt_a", "payment_intent.succeeded", ORPHAN)
    deliver(state, "evt_b", "payment_intent.created", {})  # done on receipt: no lag
    clock.advance(timedelta(seconds=42))
    stats = json.loads(kassa("webhooks", "stats", "--json").stdout)
    assert {status: n for status, n in stats["counts"].items() if n} == {
        "pending": 1, "processed": 1,
    }  # fmt: skip
    assert (stats["lag_seconds"], stats["dead"]) == (42.0, 0)
    text = kassa("webhooks", "stats").stdout
    assert "Oldest waiting: 42.0 s" in text and "Dead: 0" in text


def test_reconcile_reports_drift_then_fixes_it(kassa: Kassa, state: CliState) -> None:
    payment = asyncio.run(timed_out_authorization(state))
    report = kassa("reconcile")
    assert report.exit_code == 0, report.output
    assert payment.id in report.stdout and "synced" in report.stdout
    assert "--fix settles the drift" in report.stdout
    assert "Reconciling" in report.stderr
    fixed = json.loads(kassa("reconcile", "--fix", "--json").stdout)
    assert [(d["payment_id"], d["fixed"]) for d in fixed] == [(payment.id, True)]
    assert kassa("reconcile").stdout.strip() == "No drift: Kassa and the gateway agree."


async def timed_out_authorization(state: CliState) -> Payment:
    """A payment whose gateway call timed out after the gateway acted: outcome unknown."""
    container = state.container
    await container.create_tenant().execute(CreateTenantCommand("Demo", tenant_id=DEMO_TENANT_ID))
    command = CreatePaymentCommand(
        tenant_id=DEMO_TENANT_ID, order_id="ord_t", amount=5_000, currency="usd",
        capture_method=CaptureMethod.MANUAL, confirm=True, payment_method="pm_card_timeout",
    )  # fmt: skip
    return await container.create_payment().execute(command)


def test_reconcile_refuses_a_fake_gateway_kept_in_the_servers_memory(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'unused.db'}"
    state = CliState(Settings(database_url=url, fake_gateway_state="memory"))
    result = CliRunner().invoke(cli, ["reconcile"], obj=state)
    assert result.exit_code == 1
    assert "KASSA_FAKE_GATEWAY_STATE=memory" in result.stderr
