"""`kassa customers create|list` and `kassa invoices create|list|show`, for operators."""

from __future__ import annotations

from datetime import date

import click

from application.customers.customers import CreateCustomerCommand
from application.customers.invoices import CreateInvoiceCommand
from application.ports.repositories import PageRequest
from domain.invoice import InvoiceLine
from domain.money import is_known_currency
from entrypoints.cli.context import CliState, pass_state, run
from entrypoints.cli.customer_render import (
    customer_json,
    customers_table,
    invoice_details,
    invoice_json,
    invoices_table,
)
from entrypoints.cli.operator import operator_actor
from entrypoints.cli.payments import json_option, page_options, tenant_option
from entrypoints.cli.render import echo_json, echo_page


def parse_line(text: str) -> InvoiceLine:
    """`"Consulting:2:15000"` → 2 × 150.00; the description may hold colons itself."""
    description, quantity, unit_amount = [*text.rsplit(":", 2), "", ""][:3]
    if not (quantity.strip().isdigit() and unit_amount.strip().isdigit()):
        raise click.BadParameter(
            f"{text!r} is not DESCRIPTION:QUANTITY:UNIT_AMOUNT (whole numbers, minor units).",
            param_hint="--line",
        )
    return InvoiceLine(description.strip(), int(quantity), int(unit_amount))


def parse_due(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(f"{text!r} is not YYYY-MM-DD.", param_hint="--due") from None


@click.group()
def customers() -> None:
    """A tenant's end customers (created at the gateway too)."""


@customers.command()
@click.argument("email")
@click.option("--name", default=None, help="The customer's name.")
@tenant_option
@json_option
@pass_state
def create(state: CliState, email: str, name: str | None, tenant_id: str, as_json: bool) -> None:
    """Create a customer."""
    command = CreateCustomerCommand(tenant_id, email, operator_actor(), name)
    customer = run(state, lambda c: c.create_customer().execute(command))
    if as_json:
        echo_json(customer_json(customer))
        return
    click.echo(f"Created customer {customer.id} ({customer.email}).")


@customers.command("list")
@tenant_option
@page_options("An id")
@json_option
@pass_state
def list_customers(state: CliState, tenant_id: str, page: PageRequest, as_json: bool) -> None:
    """Newest first, one page at a time."""
    found = run(state, lambda c: c.list_customers().execute(tenant_id, page))
    echo_page(
        found.data,
        found.has_more,
        as_json,
        to_json=customer_json,
        table=customers_table,
        empty="No customers yet: kassa customers create EMAIL",
    )


@click.group()
def invoices() -> None:
    """Invoices the portal shows and takes payments for."""


@invoices.command("create")
@click.option("--customer", "customer_id", required=True, help="The customer's id, cus_….")
@click.option("--currency", required=True, help="ISO 4217 code, e.g. usd.")
@click.option(
    "--line",
    "lines",
    multiple=True,
    required=True,
    help='"DESCRIPTION:QUANTITY:UNIT_AMOUNT" in minor units; repeat for more lines.',
)
@click.option("--number", default=None, help="Invoice number [default: generated].")
@click.option("--due", default=None, help="Due date, YYYY-MM-DD.")
@tenant_option
@json_option
@pass_state
def create_invoice(
    state: CliState,
    customer_id: str,
    currency: str,
    lines: tuple[str, ...],
    number: str | None,
    due: str | None,
    tenant_id: str,
    as_json: bool,
) -> None:
    """Create an open invoice for a customer."""
    if not is_known_currency(currency):
        raise click.BadParameter(f"Unknown currency {currency!r}.", param_hint="--currency")
    command = CreateInvoiceCommand(
        tenant_id=tenant_id,
        customer_id=customer_id,
        currency=currency,
        lines=[parse_line(line) for line in lines],
        actor=operator_actor(),
        number=number,
        due_date=parse_due(due),
    )
    invoice = run(state, lambda c: c.create_invoice().execute(command))
    if as_json:
        echo_json(invoice_json(invoice))
        return
    click.echo(f"Created invoice {invoice.number} ({invoice.id}).\n")
    click.echo(invoice_details(invoice))


@invoices.command("list")
@click.option("--customer", "customer_id", default=None, help="Only this customer's.")
@tenant_option
@page_options("An id")
@json_option
@pass_state
def list_invoices(
    state: CliState, customer_id: str | None, tenant_id: str, page: PageRequest, as_json: bool
) -> None:
    """Newest first, one page at a time."""
    found = run(state, lambda c: c.list_invoices().execute(tenant_id, customer_id, page))
    echo_page(
        found.data,
        found.has_more,
        as_json,
        to_json=invoice_json,
        table=invoices_table,
        empty="No invoices yet: kassa invoices create --customer C --currency usd --line …",
    )


@invoices.command("show")
@click.argument("invoice_id")
@tenant_option
@json_option
@pass_state
def show_invoice(state: CliState, invoice_id: str, tenant_id: str, as_json: bool) -> None:
    """One invoice with its lines."""
    invoice = run(state, lambda c: c.get_invoice().execute(tenant_id, invoice_id))
    if as_json:
        echo_json(invoice_json(invoice))
        return
    click.echo(invoice_details(invoice))
