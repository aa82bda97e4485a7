"""`kassa payments list|show|capture|cancel|refund`: one tenant's payments, by operators."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import click

from application.payments.cancel_payment import CancelPaymentCommand
from application.payments.capture_payment import CapturePaymentCommand
from application.payments.refund_payment import RefundPaymentCommand
from application.ports.repositories import PageRequest, PaymentFilter
from domain.payment import Payment
from domain.reasons import CANCELLATION_REASONS, REFUND_REASONS
from domain.statuses import PaymentStatus
from entrypoints.cli.context import DEMO_TENANT_ID, CliState, pass_state, run
from entrypoints.cli.operator import operator_actor
from entrypoints.cli.render import (
    echo_json,
    echo_page,
    money,
    payment_details,
    payment_json,
    payments_table,
    refund_json,
)

tenant_option = click.option(
    "--tenant",
    "tenant_id",
    default=DEMO_TENANT_ID,
    show_default=True,
    help="The tenant whose payments these are.",
)
json_option = click.option("--json", "as_json", is_flag=True, help="JSON, for scripts.")


def page_options(
    cursor: str, limit: int = 10
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """A list command's --limit and --starting-after (`cursor` names the id it takes),
    handed to the command as one `page`."""

    def give_page(command: Callable[..., None]) -> Callable[..., None]:
        @functools.wraps(command)
        def with_page(*args: Any, limit: int, starting_after: str | None, **kw: Any) -> None:
            command(*args, page=PageRequest(limit=limit, starting_after=starting_after), **kw)

        after = click.option("--starting-after", default=None, help=f"{cursor}: the page after it.")
        pages = click.option(
            "--limit", type=click.IntRange(1, 100), default=limit, show_default=True
        )
        return pages(after(with_page))

    return give_page


amount_option = click.option(
    "--amount",
    type=click.IntRange(min=1),
    default=None,
    help="In minor units (4000 is 40.00 USD) [default: all that is left].",
)


def ensure_gateway_reachable(state: CliState) -> None:
    """A fake gateway kept in memory (KASSA_FAKE_GATEWAY_STATE=memory) lives inside the
    `kassa serve` process: from another process a capture, cancel or refund would fail
    there and be recorded as failed. Kept in the database (the default), it is shared."""
    settings = state.settings
    in_server = settings.gateway == "fake" and settings.fake_gateway_books == "memory"
    if in_server and settings.store == "sql":
        raise click.ClickException(
            "KASSA_FAKE_GATEWAY_STATE=memory keeps the fake gateway inside the server: "
            "act through its API, or keep the gateway in the database (the default)."
        )


def echo_payment(payment: Payment, as_json: bool, headline: str | None = None) -> None:
    if as_json:
        echo_json(payment_json(payment))
        return
    if headline:
        click.echo(headline + "\n")
    click.echo(payment_details(payment))


@click.group()
def payments() -> None:
    """Payments of one tenant."""


@payments.command("list")
@tenant_option
@click.option("--status", type=click.Choice([s.value for s in PaymentStatus]), default=None)
@page_options("A payment id")
@json_option
@pass_state
def list_payments(
    state: CliState, tenant_id: str, status: str | None, page: PageRequest, as_json: bool
) -> None:
    """Newest first, one page at a time."""
    where = PaymentFilter(status=PaymentStatus(status) if status else None)
    found = run(state, lambda c: c.list_payments().execute(tenant_id, where, page))
    echo_page(
        found.data,
        found.has_more,
        as_json,
        to_json=payment_json,
        table=payments_table,
        empty=f"No payments for {tenant_id}.",
    )


@payments.command()
@click.argument("payment_id")
@tenant_option
@json_option
@pass_state
def show(state: CliState, payment_id: str, tenant_id: str, as_json: bool) -> None:
    """One payment with its fees and refunds."""
    payment = run(state, lambda c: c.get_payment().execute(tenant_id, payment_id))
    echo_payment(payment, as_json)


@payments.command()
@click.argument("payment_id")
@tenant_option
@amount_option
@json_option
@pass_state
def capture(
    state: CliState, payment_id: str, tenant_id: str, amount: int | None, as_json: bool
) -> None:
    """Capture an authorization, fully or in part (the rest is released)."""
    ensure_gateway_reachable(state)
    command = CapturePaymentCommand(tenant_id, payment_id, amount, operator_actor())
    payment = run(state, lambda c: c.capture_payment().execute(command))
    captured = money(payment.amount_captured, payment.currency)
    echo_payment(payment, as_json, f"Captured {captured} of {payment.id}.")


@payments.command()
@click.argument("payment_id")
@tenant_option
@click.option("--reason", type=click.Choice(sorted(CANCELLATION_REASONS)), default=None)
@json_option
@pass_state
def cancel(
    state: CliState, payment_id: str, tenant_id: str, reason: str | None, as_json: bool
) -> None:
    """Cancel a payment that is not final, releasing its authorization."""
    ensure_gateway_reachable(state)
    command = CancelPaymentCommand(tenant_id, payment_id, reason, operator_actor())
    payment = run(state, lambda c: c.cancel_payment().execute(command))
    echo_payment(payment, as_json, f"Canceled {payment.id}.")


@payments.command()
@click.argument("payment_id")
@tenant_option
@amount_option
@click.option("--reason", type=click.Choice(sorted(REFUND_REASONS)), default=None)
@json_option
@pass_state
def refund(
    state: CliState,
    payment_id: str,
    tenant_id: str,
    amount: int | None,
    reason: str | None,
    as_json: bool,
) -> None:
    """Refund a captured payment, fully or in part, within the refund window."""
    ensure_gateway_reachable(state)
    command = RefundPaymentCommand(tenant_id, payment_id, amount, reason, operator_actor())
    result = run(state, lambda c: c.refund_payment().execute(command))
    if as_json:
        echo_json(
            refund_json(result.payment, result.refund) | {"payment": payment_json(result.payment)}
        )
        return
    r = result.refund
    headline = f"Refund {r.id} of {r.amount} is {r.status.value}."
    echo_payment(result.payment, as_json, headline)
