"""`kassa gateway …`: the fake gateway's console (SPEC §13). What Stripe's customers, banks
and dashboard would do, for people: finish 3-D Secure, open a dispute, fail a refund at
the bank, let an authorization expire; and deliver the gateway's events now."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

import click
import httpx

from adapters.gateways.fake import FakePaymentGateway
from adapters.gateways.fake_bank import FakeBank
from adapters.gateways.fake_state import FakeRefund
from entrypoints.cli.context import CliState, pass_state, run
from entrypoints.cli.render import money, table
from entrypoints.container import Container
from entrypoints.fake_gateway_delivery import fake_webhook_delivery, http_sender

T = TypeVar("T")


def _fake(state: CliState) -> None:
    settings = state.settings
    if settings.gateway != "fake":
        raise click.ClickException(
            "kassa gateway is the fake gateway's console (KASSA_GATEWAY=fake)."
        )
    if settings.fake_gateway_books == "memory":
        raise click.ClickException(
            "KASSA_FAKE_GATEWAY_STATE=memory keeps the fake gateway inside one process; "
            "the console needs it in the database (the default)."
        )


def _gateway(container: Container) -> FakePaymentGateway:
    gateway = container.gateway()
    assert isinstance(gateway, FakePaymentGateway)
    return gateway


def _at_gateway(state: CliState, payment: str, act: Callable[[FakeBank, str], T]) -> T:
    """Run `act` on the intent of PAYMENT: Kassa's payment id (pay_…) or the intent's."""
    _fake(state)

    def work(bank: FakeBank) -> T:
        intent = bank.ledger.intent(payment) or bank.ledger.intent_for_payment(payment)
        if intent is None:
            raise click.ClickException(
                f"resource_missing: No such payment at the gateway: {payment}"
            )
        return act(bank, intent.id)

    return run(state, lambda c: _gateway(c).act(work))


@click.group()
def gateway() -> None:
    """The fake gateway's console: act as its customers, banks and dashboard."""


@gateway.command("list")
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="JSON, for scripts.")
@pass_state
def list_intents(state: CliState, limit: int, as_json: bool) -> None:
    """The gateway's payment intents, newest first."""
    _fake(state)
    intents = run(state, lambda c: _gateway(c).list_intents(limit))
    if as_json:
        rows: list[dict[str, Any]] = [
            {
                "id": i.gateway_payment_id,
                "status": i.status.value,
                "amount": i.amount.amount,
                "currency": i.amount.currency.lower(),
                "amount_received": i.amount_received,
                "payment_method": i.payment_method,
            }
            for i in intents
        ]
        click.echo(json.dumps(rows, indent=2))
        return
    if not intents:
        click.echo("No payment intents at the fake gateway yet.")
        return
    click.echo(
        table(
            [
                [
                    i.gateway_payment_id,
                    i.status.value,
                    money(i.amount.amount, i.amount.currency),
                    money(i.amount_received, i.amount.currency),
                    i.payment_method or "",
                ]
                for i in intents
            ],
            right={2, 3},
            headers=["INTENT", "STATUS", "AMOUNT", "RECEIVED", "METHOD"],
        )
    )


@gateway.command("3ds")
@click.argument("payment")
@click.option("--complete/--fail", "succeed", default=True, help="The customer's answer.")
@pass_state
def three_d_secure(state: CliState, payment: str, succeed: bool) -> None:
    """Complete (or fail) 3-D Secure for PAYMENT, as its customer would."""
    intent = _at_gateway(state, payment, lambda b, i: b.complete_action(i, succeed))
    click.echo(f"{intent.id} is now {intent.status.value}.")


@gateway.command()
@click.argument("payment")
@pass_state
def dispute(state: CliState, payment: str) -> None:
    """The cardholder disputes PAYMENT's charge (status needs_response)."""
    opened = _at_gateway(state, payment, lambda b, i: b.open_dispute(i))
    click.echo(f"Dispute {opened.id} opened on {opened.intent_id} ({opened.status}).")


@gateway.command()
@click.argument("payment")
@pass_state
def expire(state: CliState, payment: str) -> None:
    """PAYMENT's authorization lapses uncaptured: the gateway cancels it."""
    intent = _at_gateway(state, payment, lambda b, i: b.expire_authorization(i))
    click.echo(f"{intent.id} is now {intent.status.value} (authorization expired).")


@gateway.command("fail-refund")
@click.argument("refund")
@click.option(
    "--payment",
    default=None,
    help="REFUND's payment (pay_… or pi_…): then REFUND may be Kassa's refund id, "
    "as `kassa payments refund` prints it.",
)
@pass_state
def fail_refund(state: CliState, refund: str, payment: str | None) -> None:
    """The bank fails pending REFUND: the money stays with you. REFUND is the gateway's
    refund id, or Kassa's with --payment."""
    if payment is None:
        _fake(state)
        failed = run(state, lambda c: _gateway(c).act(lambda b: _settle(b, refund, refund)))
    else:
        failed = _at_gateway(
            state, payment, lambda b, i: _settle(b, _refund_of(b, i, refund, payment), refund)
        )
    click.echo(f"Refund {failed.id} {failed.status.value} at the bank.")


def _refund_of(bank: FakeBank, intent_id: str, refund: str, payment: str) -> str:
    """The gateway's id of REFUND, named by either id, among the refunds of one intent."""
    for made in bank.ledger.refunds_of(intent_id):
        if refund in (made.id, made.metadata.get("kassa_refund_id")):
            return made.id
    raise click.ClickException(
        f"resource_missing: No such refund of {payment} at the gateway: {refund}"
    )


def _settle(bank: FakeBank, gateway_refund_id: str, named: str) -> FakeRefund:
    if bank.ledger.refund(gateway_refund_id) is None:
        raise click.ClickException(
            f"resource_missing: No such refund at the gateway: {named} "
            "(Kassa's refund ids need --payment)"
        )
    return bank.settle_refund(gateway_refund_id, False)


@gateway.command()
@click.option(
    "--url", default=None, help="Where Kassa listens [default: KASSA_PUBLIC_BASE_URL or host:port]."
)
@pass_state
def deliver(state: CliState, url: str | None) -> None:
    """Deliver the gateway's events that are due now to /api/v1/webhooks/fake, then stop."""
    _fake(state)
    target = url or state.settings.base_url

    async def work(container: Container) -> int:
        async with httpx.AsyncClient(timeout=10.0) as client:
            delivery = fake_webhook_delivery(container, http_sender(client, target))
            return await delivery.deliver_due()

    delivered = run(state, work)
    click.echo(f"{delivered} event(s) delivered to {target}.")
