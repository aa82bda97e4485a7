"""`kassa demo`: a demo tenant (created once, then reused), tokens for each role and a
portal link."""

from __future__ import annotations

import json

import click

from application.errors import ConflictError, NotFoundError
from application.tenants.create_tenant import CreateTenantCommand
from domain.tenant import Tenant
from entrypoints.cli.auth import issue_token
from entrypoints.cli.context import DEMO_TENANT_ID, CliState, pass_state, run
from entrypoints.cli.db import migrate
from entrypoints.cli.demo_portal import ensure_demo_portal
from entrypoints.cli.serve import is_embedded
from entrypoints.container import Container

DEMO_TENANT_NAME = "Demo merchant"
TOKEN_ROLES = {
    "merchant_token": "merchant",
    "admin_token": "merchant_admin",
    "platform_token": "platform_admin",
}


async def ensure_demo_tenant(container: Container) -> tuple[Tenant, bool]:
    """The demo tenant, and whether this call created it."""
    try:
        return await container.get_tenant().execute(DEMO_TENANT_ID), False
    except NotFoundError:
        pass
    command = CreateTenantCommand(name=DEMO_TENANT_NAME, tenant_id=DEMO_TENANT_ID)
    try:
        return await container.create_tenant().execute(command), True
    except ConflictError:  # another process created it meanwhile
        return await container.get_tenant().execute(DEMO_TENANT_ID), False


@click.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON object, for scripts.")
@click.option(
    "--ttl-minutes",
    default=24 * 60,
    show_default=True,
    type=click.IntRange(min=1),
    help="Lifetime of the tokens.",
)
@pass_state
def demo(state: CliState, as_json: bool, ttl_minutes: int) -> None:
    """Create (or reuse) the demo tenant; print its tokens, the API's address and a portal
    link.

    The links name KASSA_PUBLIC_BASE_URL, else http://KASSA_HOST:KASSA_PORT (a wildcard
    host is 127.0.0.1): the settings `kassa serve` reads. Run from another terminal, give
    this command the same environment; a server started with --host/--port instead is
    not known here: set KASSA_PUBLIC_BASE_URL (or KASSA_HOST/KASSA_PORT) for both."""
    settings = state.settings
    if is_embedded(settings):
        migrate(settings)  # a fresh checkout works before `kassa serve` ever ran
    tenant, created = run(state, ensure_demo_tenant)
    tokens = {
        key: issue_token(state, tenant.id, [role], ttl_minutes, f"demo-{role}")
        for key, role in TOKEN_ROLES.items()
    }
    portal = run(state, lambda c: ensure_demo_portal(c, tenant.id))
    api_url = settings.base_url + "/api/v1"
    if as_json:
        fields = {"tenant_id": tenant.id, **tokens, "api_url": api_url, **portal.as_json()}
        click.echo(json.dumps(fields))
        return
    click.echo(
        f"Demo tenant {tenant.id} ({tenant.name}, {tenant.fee_tier} tier) "
        + ("created." if created else "already there, reused.")
    )
    click.echo(f"API: {api_url}   tokens valid {ttl_minutes} minutes\n")
    for key, role in TOKEN_ROLES.items():
        click.echo(f"{role} token:\n  {tokens[key]}")
    click.echo('\nTry:  curl -H "Authorization: Bearer <merchant token>" ' + api_url + "/payments")
    click.echo(
        f"\nPortal: invoice {portal.invoice.number} of {portal.customer.email}, "
        f"pay it at\n  {portal.issued.url}"
    )
