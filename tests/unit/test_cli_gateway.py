"""`kassa gateway list|3ds|expire|fail-refund` on a migrated SQLite file: the fake gateway's
books are in the database, as `kassa serve` and the console share them. Each act is checked
at the gateway and, once its events reached Kassa and were consumed, on Kassa's payment."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from adapters.persistence.sql.migrate import upgrade_sync
from application.payments.create_payment import CreatePaymentCommand
from domain.capture_method import CaptureMethod
from entrypoints.cli.context import CliState, run
from entrypoints.container import Container
from entrypoints.fake_gateway_delivery import fake_webhook_delivery
from entrypoints.settings import Settings
from tests.unit.cli_runner import Kassa, as_json, kassa_on, refused

TENANT = "ten_acme"


@pytest.fixture
def state(tmp_path: Path) -> CliState:
    url = f"sqlite+aiosqlite:///{tmp_path / 'kassa.db'}"
    upgrade_sync(url)
    return CliState(Settings(database_url=url))


def elsewhere(state: CliState) -> CliState:
    """Another process on the same database (a server, say)."""
    return CliState(state.settings)


@pytest.fixture
def tenant(kassa: Kassa) -> str:
    return str(as_json(kassa("tenants", "create", "Acme Ltd", "--id", TENANT, "--json"))["id"])


def pay(state: CliState, method: str, capture: CaptureMethod = CaptureMethod.AUTOMATIC) -> str:
    """A payment confirmed with `method`, as a server on the same database would take it."""
    command = CreatePaymentCommand(
        tenant_id=TENANT,
        order_id=f"ord_{method}_{capture.value}",
        amount=2_500,
        currency="USD",
        capture_method=capture,
        confirm=True,
        payment_method=method,
    )
    return run(elsewhere(state), lambda c: c.create_payment().execute(command)).id


def events_reach_kassa(state: CliState, kassa: Kassa) -> None:
    """What `kassa serve` does: the gateway's due events are delivered, then consumed."""

    async def work(container: Container) -> int:
        async def send(payload: bytes, signature: str) -> int:
            await container.receive_webhook().execute("fake", payload, signature)
            return 200

        return await fake_webhook_delivery(container, send).deliver_due()

    assert run(elsewhere(state), work) > 0
    consumed = kassa("webhooks", "consume", "--once")
    assert consumed.exit_code == 0, consumed.output


def payment(kassa: Kassa, payment_id: str) -> dict[str, Any]:
    return dict(as_json(kassa("payments", "show", payment_id, "--tenant", TENANT, "--json")))


def at_gateway(kassa: Kassa) -> dict[str, dict[str, Any]]:
    return {i["id"]: i for i in as_json(kassa("gateway", "list", "--json"))}


def test_list_shows_the_gateways_intents_newest_first(
    kassa: Kassa, state: CliState, tenant: str
) -> None:
    assert kassa("gateway", "list").stdout == "No payment intents at the fake gateway yet.\n"
    assert as_json(kassa("gateway", "list", "--json")) == []
    held = payment(kassa, pay(state, "pm_card_visa", CaptureMethod.MANUAL))
    taken = payment(kassa, pay(state, "pm_card_mastercard"))

    rows = as_json(kassa("gateway", "list", "--json"))
    assert rows == [
        {"id": taken["gateway_payment_id"], "status": "succeeded", "amount": 2_500,
         "currency": "usd", "amount_received": 2_500, "payment_method": "pm_card_mastercard"},
        {"id": held["gateway_payment_id"], "status": "requires_capture", "amount": 2_500,
         "currency": "usd", "amount_received": 0, "payment_method": "pm_card_visa"},
    ]  # fmt: skip
    lines = kassa("gateway", "list").stdout.splitlines()
    assert lines[0].split() == ["INTENT", "STATUS", "AMOUNT", "RECEIVED", "METHOD"]
    assert lines[1].split() == [
        taken["gateway_payment_id"], "succeeded", "25.00", "USD", "25.00", "USD",
        "pm_card_mastercard",
    ]  # fmt: skip
    assert lines[2].split()[:2] == [held["gateway_payment_id"], "requires_capture"]
    only = as_json(kassa("gateway", "list", "--limit", "1", "--json"))
    assert [i["id"] for i in only] == [taken["gateway_payment_id"]]
    assert kassa("gateway", "list", "--limit", "0").exit_code == 2


def test_3ds_completed_by_the_customer_captures_the_payment(
    kassa: Kassa, state: CliState, tenant: str
) -> None:
    made = pay(state, "pm_card_threeDSecureRequired")
    events_reach_kassa(state, kassa)
    assert payment(kassa, made)["status"] == "requires_action"

    done = kassa("gateway", "3ds", made)  # Kassa's id names the intent too
    assert done.exit_code == 0, done.output
    intent = payment(kassa, made)["gateway_payment_id"]
    assert done.stdout == f"{intent} is now succeeded.\n"
    assert at_gateway(kassa)[intent]["amount_received"] == 2_500

    events_reach_kassa(state, kassa)
    shown = payment(kassa, made)
    assert (shown["status"], shown["amount_captured"]) == ("succeeded", 2_500)
    again = refused(kassa("gateway", "3ds", intent))
    assert again == "Error: gateway_invalid_request: This PaymentIntent does not require an action."


def test_3ds_failed_by_the_customer_fails_the_payment(
    kassa: Kassa, state: CliState, tenant: str
) -> None:
    made = pay(state, "pm_card_threeDSecureRequired")
    intent = payment(kassa, made)["gateway_payment_id"]

    failed = kassa("gateway", "3ds", intent, "--fail")
    assert failed.stdout == f"{intent} is now failed.\n"
    assert at_gateway(kassa)[intent]["status"] == "failed"

    events_reach_kassa(state, kassa)
    shown = payment(kassa, made)
    assert (shown["status"], shown["failure_code"]) == ("failed", "authentication_required")
    assert shown["amount_captured"] == 0


def test_3ds_refuses_an_unknown_payment(kassa: Kassa, tenant: str) -> None:
    message = refused(kassa("gateway", "3ds", "pay_nope"))
    assert message == "Error: resource_missing: No such payment at the gateway: pay_nope"


def test_expire_lapses_an_authorization_and_kassa_cancels_the_payment(
    kassa: Kassa, state: CliState, tenant: str
) -> None:
    held = pay(state, "pm_card_visa", CaptureMethod.MANUAL)
    intent = payment(kassa, held)["gateway_payment_id"]

    expired = kassa("gateway", "expire", held)
    assert expired.exit_code == 0, expired.output
    assert expired.stdout == f"{intent} is now canceled (authorization expired).\n"
    assert at_gateway(kassa)[intent]["status"] == "canceled"

    events_reach_kassa(state, kassa)
    shown = payment(kassa, held)
    assert (shown["status"], shown["amount_capturable"]) == ("canceled", 0)
    assert shown["cancellation_reason"] == "automatic"
    twice = refused(kassa("gateway", "expire", intent))
    assert twice == (
        "Error: gateway_invalid_request: This PaymentIntent's status is canceled; "
        "only an authorization awaiting capture expires."
    )


def test_expire_refuses_a_captured_payment_and_an_unknown_one(
    kassa: Kassa, state: CliState, tenant: str
) -> None:
    taken = pay(state, "pm_card_visa")
    assert "status is succeeded" in refused(kassa("gateway", "expire", taken))
    assert at_gateway(kassa)[payment(kassa, taken)["gateway_payment_id"]]["status"] == "succeeded"
    unknown = refused(kassa("gateway", "expire", "pi_nope"))
    assert unknown == "Error: resource_missing: No such payment at the gateway: pi_nope"


@dataclass(frozen=True)
class PendingRefund:
    payment_id: str
    refund_id: str  # Kassa's
    intent: str
    gateway_refund_id: str


def pending_refund(kassa: Kassa, state: CliState) -> PendingRefund:
    """A captured payment and a refund of 1000 that waits at the bank."""
    paid = pay(state, "pm_card_refundFail")
    events_reach_kassa(state, kassa)
    asked = kassa("payments", "refund", paid, "--amount", "1000", "--tenant", TENANT, "--json")
    refund = as_json(asked)
    assert refund["status"] == "pending"
    intent = payment(kassa, paid)["gateway_payment_id"]
    ((gateway_id, status, kassa_id),) = gateway_refunds(state, intent)
    assert (status, kassa_id) == ("pending", refund["id"])
    return PendingRefund(paid, refund["id"], intent, gateway_id)


def gateway_refunds(state: CliState, intent: str) -> list[tuple[str, str, str | None]]:
    async def work(container: Container) -> list[tuple[str, str, str | None]]:
        refunds = await container.fake_gateway_state().run(
            lambda ledger: ledger.refunds_of(intent), write=False
        )
        return [(r.id, r.status.value, r.metadata.get("kassa_refund_id")) for r in refunds]

    return run(elsewhere(state), work)


def fails_at_the_bank(kassa: Kassa, state: CliState, pending: PendingRefund, *named: str) -> None:
    """`kassa gateway fail-refund NAMED…` fails the refund at the gateway; once its event
    is consumed, Kassa's books give the amount back: nothing refunded, the refund failed."""
    failed = kassa("gateway", "fail-refund", *named)
    assert failed.exit_code == 0, failed.output
    assert failed.stdout == f"Refund {pending.gateway_refund_id} failed at the bank.\n"
    assert gateway_refunds(state, pending.intent) == [
        (pending.gateway_refund_id, "failed", pending.refund_id)
    ]
    events_reach_kassa(state, kassa)
    shown = payment(kassa, pending.payment_id)
    assert (shown["status"], shown["amount_refunded"], shown["refund_status"]) == (
        "succeeded", 0, "none",
    )  # fmt: skip
    assert [(r["id"], r["status"]) for r in shown["refunds"]] == [(pending.refund_id, "failed")]
    assert shown["refunds"][0]["failure_reason"] == "expired_or_canceled_card"


def test_fail_refund_by_the_gateways_id_gives_the_money_back_in_kassas_books(
    kassa: Kassa, state: CliState, tenant: str
) -> None:
    pending = pending_refund(kassa, state)
    fails_at_the_bank(kassa, state, pending, pending.gateway_refund_id)
    again = refused(kassa("gateway", "fail-refund", pending.gateway_refund_id))
    assert again == (
        "Error: gateway_invalid_request: This refund is failed; only a pending refund settles."
    )


def test_fail_refund_by_kassas_refund_id_with_its_payment(
    kassa: Kassa, state: CliState, tenant: str
) -> None:
    pending = pending_refund(kassa, state)
    fails_at_the_bank(kassa, state, pending, pending.refund_id, "--payment", pending.payment_id)


def test_fail_refund_refuses_unknown_refunds(kassa: Kassa, state: CliState, tenant: str) -> None:
    pending = pending_refund(kassa, state)
    paid, refund = pending.payment_id, pending.refund_id
    alone = refused(kassa("gateway", "fail-refund", refund))
    assert alone == (
        f"Error: resource_missing: No such refund at the gateway: {refund} "
        "(Kassa's refund ids need --payment)"
    )
    other = refused(kassa("gateway", "fail-refund", "re_nope", "--payment", paid))
    assert other == f"Error: resource_missing: No such refund of {paid} at the gateway: re_nope"
    nowhere = refused(kassa("gateway", "fail-refund", refund, "--payment", "pay_nope"))
    assert nowhere == "Error: resource_missing: No such payment at the gateway: pay_nope"
    assert payment(kassa, paid)["refunds"][0]["status"] == "pending"


def test_the_console_refuses_a_memory_store() -> None:
    kassa = kassa_on(CliState(Settings(database_url="memory://")))
    assert "needs it in the database" in refused(kassa("gateway", "list"))
