"""`kassa tenants create|list|show|set-tier|set-override|suspend`: the platform's merchants."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

import click

from application.tenants.create_tenant import CreateTenantCommand
from application.tenants.update_tenant import SetFeeOverrideCommand, UpdateTenantCommand
from domain.fees import DEFAULT_TIER_CODE, FeeTier
from domain.tenant import Tenant, TenantStatus
from entrypoints.cli.context import CliState, pass_state, run
from entrypoints.cli.fee_options import bps_option, fixed_amounts, fixed_option, no_fixed_option
from entrypoints.cli.fee_render import tenant_details, tenant_json, tenants_table
from entrypoints.cli.operator import operator_actor
from entrypoints.cli.payments import json_option
from entrypoints.cli.render import echo_json
from entrypoints.container import Container
from entrypoints.http.platform.schemas import CONNECTED_ACCOUNT_PATTERN, TENANT_ID_PATTERN

TenantWork = Callable[[Container], Awaitable[Tenant]]


def with_tier(state: CliState, work: TenantWork) -> tuple[Tenant, FeeTier | None]:
    """Run `work`, then read the tenant's tier in the same session (to show its fees)."""

    async def both(container: Container) -> tuple[Tenant, FeeTier | None]:
        tenant = await work(container)
        tiers = await container.list_fee_tiers().execute()
        return tenant, next((t for t in tiers if t.code == tenant.fee_tier), None)

    return run(state, both)


def echo_tenant(
    tenant: Tenant, tier: FeeTier | None, as_json: bool, headline: str | None = None
) -> None:
    if as_json:
        echo_json(tenant_json(tenant))
        return
    if headline:
        click.echo(headline + "\n")
    click.echo(tenant_details(tenant, tier))


@click.group()
def tenants() -> None:
    """The platform's tenants (merchants), their fee tiers and overrides."""


@tenants.command()
@click.argument("name")
@click.option(
    "--tier", "tier_code", default=DEFAULT_TIER_CODE, show_default=True, help="Fee tier code."
)
@click.option("--id", "tenant_id", default=None, help="The tenant's id [default: ten_…].")
@click.option("--connected-account", default=None, help="Its Stripe connected account, acct_….")
@json_option
@pass_state
def create(
    state: CliState,
    name: str,
    tier_code: str,
    tenant_id: str | None,
    connected_account: str | None,
    as_json: bool,
) -> None:
    """Create a tenant on a fee tier."""
    if not name.strip():
        raise click.ClickException("A tenant needs a name.")
    if tenant_id is not None and not re.fullmatch(TENANT_ID_PATTERN, tenant_id):
        raise click.ClickException("--id is 1 to 64 letters, digits, '_' or '-'.")
    if connected_account is not None and not re.fullmatch(
        CONNECTED_ACCOUNT_PATTERN, connected_account
    ):
        raise click.ClickException("--connected-account is a Stripe account id, acct_….")
    command = CreateTenantCommand(
        name=name.strip(),
        fee_tier=tier_code,
        tenant_id=tenant_id,
        connected_account_id=connected_account,
        actor=operator_actor(),
    )
    tenant, tier = with_tier(state, lambda c: c.create_tenant().execute(command))
    echo_tenant(tenant, tier, as_json, f"Created tenant {tenant.id}.")


@tenants.command("list")
@json_option
@pass_state
def list_tenants(state: CliState, as_json: bool) -> None:
    """Every tenant."""
    found = run(state, lambda c: c.list_tenants().execute())
    if as_json:
        data = [tenant_json(t) for t in found]
        echo_json({"object": "list", "data": data, "has_more": False})
        return
    if not found:
        click.echo("No tenants yet: kassa tenants create NAME")
        return
    click.echo(tenants_table(found))


@tenants.command()
@click.argument("tenant_id")
@json_option
@pass_state
def show(state: CliState, tenant_id: str, as_json: bool) -> None:
    """One tenant, with the fees in force for it."""
    tenant, tier = with_tier(state, lambda c: c.get_tenant().execute(tenant_id))
    echo_tenant(tenant, tier, as_json)


@tenants.command("set-tier")
@click.argument("tenant_id")
@click.argument("tier_code", metavar="TIER")
@json_option
@pass_state
def set_tier(state: CliState, tenant_id: str, tier_code: str, as_json: bool) -> None:
    """Move a tenant to another fee tier (payments captured from now on)."""
    command = UpdateTenantCommand(tenant_id=tenant_id, actor=operator_actor(), fee_tier=tier_code)
    tenant, tier = with_tier(state, lambda c: c.update_tenant().execute(command))
    echo_tenant(tenant, tier, as_json, f"{tenant.id} is on the {tenant.fee_tier} tier.")


@tenants.command("set-override")
@click.argument("tenant_id")
@bps_option
@fixed_option
@no_fixed_option
@click.option("--clear", is_flag=True, help="Remove the override: the tier's fees apply again.")
@json_option
@pass_state
def set_override(
    state: CliState,
    tenant_id: str,
    bps: int | None,
    fixed: tuple[str, ...],
    no_fixed: bool,
    clear: bool,
    as_json: bool,
) -> None:
    """Give a tenant its own fees, replacing its override (what is not given: the tier's)."""
    amounts = fixed_amounts(fixed, no_fixed)
    if clear and (bps is not None or amounts is not None):
        raise click.ClickException("--clear removes the override; give it alone.")
    if not clear and bps is None and amounts is None:
        raise click.ClickException("Give --bps, --fixed, --no-fixed or --clear.")
    command = SetFeeOverrideCommand(
        tenant_id=tenant_id, actor=operator_actor(), percentage_bps=bps, fixed_amounts=amounts
    )
    tenant, tier = with_tier(state, lambda c: c.set_fee_override().execute(command))
    done = "removed" if tenant.fee_override is None else "set"
    echo_tenant(tenant, tier, as_json, f"Fee override of {tenant.id} {done}.")


@tenants.command()
@click.argument("tenant_id")
@click.option("--resume", is_flag=True, help="Make a suspended tenant active again.")
@json_option
@pass_state
def suspend(state: CliState, tenant_id: str, resume: bool, as_json: bool) -> None:
    """Suspend a tenant: its new payments are refused until it is resumed."""
    status = TenantStatus.ACTIVE if resume else TenantStatus.SUSPENDED
    command = UpdateTenantCommand(tenant_id=tenant_id, actor=operator_actor(), status=status)
    tenant, tier = with_tier(state, lambda c: c.update_tenant().execute(command))
    echo_tenant(tenant, tier, as_json, f"{tenant.id} is {tenant.status.value}.")
