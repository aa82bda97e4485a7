"""`kassa auth token`: an access token for the merchant API, printed alone for scripts."""

from __future__ import annotations

from datetime import timedelta

import click

from application.access import ROLES
from entrypoints.cli.context import CliState, pass_state, run

DEFAULT_SUBJECT = "kassa-cli"


def issue_token(
    state: CliState, tenant_id: str, roles: list[str], ttl_minutes: int, subject: str
) -> str:
    container = state.container
    return container.access_tokens().issue(
        subject=subject,
        tenant_id=tenant_id,
        roles=roles,
        now=container.clock().now(),
        ttl=timedelta(minutes=ttl_minutes),
    )


@click.group()
def auth() -> None:
    """Access tokens for the HTTP API."""


@auth.command()
@click.option("--tenant", "tenant_id", required=True, help="Tenant the token acts for.")
@click.option(
    "--role",
    "roles",
    required=True,
    multiple=True,
    type=click.Choice(ROLES),
    help="Role granted (repeat for several).",
)
@click.option(
    "--ttl-minutes",
    default=60,
    show_default=True,
    type=click.IntRange(min=1),
    help="Lifetime of the token.",
)
@click.option("--subject", default=DEFAULT_SUBJECT, show_default=True, help="The `sub` claim.")
@pass_state
def token(
    state: CliState, tenant_id: str, roles: tuple[str, ...], ttl_minutes: int, subject: str
) -> None:
    """Print one signed JWT (and nothing else) for an existing tenant."""
    run(state, lambda container: container.get_tenant().execute(tenant_id))  # or one line, exit 1
    click.echo(issue_token(state, tenant_id, list(roles), ttl_minutes, subject))
