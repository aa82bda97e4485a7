"""`kassa tokens issue|revoke|list`: customers' portal links, for operators (SPEC §7)."""

from __future__ import annotations

from datetime import datetime

import click

from application.portal.tokens import MAX_TTL_DAYS, IssuedToken, IssuePortalTokenCommand
from application.ports.repositories import PageRequest
from domain.portal_token import PortalToken
from entrypoints.cli.context import CliState, pass_state, run
from entrypoints.cli.customer_render import token_json, tokens_table
from entrypoints.cli.operator import operator_actor
from entrypoints.cli.payments import json_option, page_options, tenant_option
from entrypoints.cli.render import echo_json, echo_page, timestamp
from entrypoints.container import Container


@click.group()
def tokens() -> None:
    """Portal links: issue one for a customer (or one invoice), revoke, list."""


@tokens.command()
@click.option("--customer", "customer_id", required=True, help="The customer's id, cus_….")
@click.option("--invoice", "invoice_id", default=None, help="Only this invoice [default: any].")
@click.option(
    "--ttl-days",
    type=click.IntRange(1, MAX_TTL_DAYS),
    default=None,
    help="Lifetime [default: KASSA_PORTAL_TOKEN_TTL_DAYS].",
)
@click.option(
    "--email",
    "send_email",
    is_flag=True,
    help="Also e-mail the link to the customer (through the outbox: `kassa mail list`).",
)
@tenant_option
@json_option
@pass_state
def issue(
    state: CliState,
    customer_id: str,
    invoice_id: str | None,
    ttl_days: int | None,
    send_email: bool,
    tenant_id: str,
    as_json: bool,
) -> None:
    """Issue a link; its token is printed now and never again."""
    command = IssuePortalTokenCommand(
        tenant_id=tenant_id,
        customer_id=customer_id,
        actor=operator_actor(),
        invoice_id=invoice_id,
        ttl_days=ttl_days,
        send_email=send_email,
    )

    async def work(container: Container) -> tuple[IssuedToken, datetime]:
        return await container.issue_portal_token().execute(command), container.clock().now()

    issued, now = run(state, work)
    if as_json:
        echo_json(token_json(issued.token, now, issued))
        return
    scope = f"invoice {invoice_id}" if invoice_id else "the customer's open invoices"
    click.echo(
        f"Portal link {issued.token.id} for {customer_id} ({scope}), "
        f"valid until {timestamp(issued.token.expires_at)}:"
    )
    click.echo(f"  {issued.url}")
    click.echo(f"  token {issued.secret}")
    if issued.emailed is not None:
        click.echo(
            f"E-mailed to {issued.emailed.recipient} as {issued.emailed.mail_id} "
            "(sent after commit; see kassa mail list)."
        )
    click.echo("The link is shown once: Kassa keeps only a hash of it.")


@tokens.command()
@click.argument("token_id")
@tenant_option
@json_option
@pass_state
def revoke(state: CliState, token_id: str, tenant_id: str, as_json: bool) -> None:
    """Revoke a link: it stops working at once."""

    async def work(container: Container) -> tuple[PortalToken, datetime]:
        revoke = container.revoke_portal_token()
        token = await revoke.execute(tenant_id, token_id, operator_actor())
        return token, container.clock().now()

    token, now = run(state, work)
    if as_json:
        echo_json(token_json(token, now))
        return
    click.echo(f"Portal link {token.id} is revoked.")


@tokens.command("list")
@click.option("--customer", "customer_id", default=None, help="Only this customer's links.")
@tenant_option
@page_options("A link id")
@json_option
@pass_state
def list_tokens(
    state: CliState, customer_id: str | None, tenant_id: str, page: PageRequest, as_json: bool
) -> None:
    """Newest first, without their secrets (Kassa does not have them)."""

    async def work(container: Container) -> tuple[list[PortalToken], bool, datetime]:
        found = await container.list_portal_tokens().execute(tenant_id, customer_id, page)
        return list(found.data), found.has_more, container.clock().now()

    found, has_more, now = run(state, work)
    echo_page(
        found,
        has_more,
        as_json,
        to_json=lambda t: token_json(t, now),
        table=lambda tokens: tokens_table(tokens, now),
        empty="No portal links yet: kassa tokens issue --customer C",
    )
