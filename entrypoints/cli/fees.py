"""`kassa fees simulate`: what a tenant's captured payments would have paid on another tier."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from application.fees.simulate import CurrencySimulation
from domain.tenant import Tenant
from entrypoints.cli.context import CliState, pass_state, run
from entrypoints.cli.fee_render import simulation_json, simulation_table
from entrypoints.cli.payments import json_option
from entrypoints.cli.render import echo_json, timestamp
from entrypoints.container import Container


def instant(value: str | None, option: str) -> datetime | None:
    """An ISO 8601 date or timestamp; UTC when it names no offset."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise click.ClickException(
            f"{option} takes an ISO 8601 date or time, such as 2025-01-31 or "
            f"2025-01-31T12:00:00Z; got {value!r}."
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@click.group()
def fees() -> None:
    """Platform fees."""


@fees.command()
@click.option("--tenant", "tenant_id", required=True, help="The tenant whose payments count.")
@click.option("--tier", "tier_code", required=True, help="The tier to compare with.")
@click.option("--from", "start_text", default=None, help="Payments created from (ISO 8601).")
@click.option("--to", "end_text", default=None, help="Payments created up to (ISO 8601).")
@json_option
@pass_state
def simulate(
    state: CliState,
    tenant_id: str,
    tier_code: str,
    start_text: str | None,
    end_text: str | None,
    as_json: bool,
) -> None:
    """Platform fees taken vs. those under TIER, per currency; nothing is changed."""
    start, end = instant(start_text, "--from"), instant(end_text, "--to")
    if start and end and start > end:
        raise click.ClickException("--from is after --to.")

    async def simulation(container: Container) -> tuple[Tenant, list[CurrencySimulation]]:
        rows = await container.simulate_fees().execute(tenant_id, tier_code, start, end)
        return await container.get_tenant().execute(tenant_id), rows

    tenant, rows = run(state, simulation)
    if as_json:
        echo_json(
            {
                "object": "fee_simulation",
                "tenant_id": tenant.id,
                "current_tier": tenant.fee_tier,
                "tier": tier_code,
                "from": timestamp(start),
                "to": timestamp(end),
                "currencies": [simulation_json(r) for r in rows],
            }
        )
        return
    period = f"from {timestamp(start) or 'the start'} to {timestamp(end) or 'now'}"
    if not rows:
        click.echo(f"No captured payments for {tenant.id} {period}.")
        return
    click.echo(
        f"{tenant.id} ({tenant.name}): fees now (tier {tenant.fee_tier}"
        + (", with its override" if tenant.fee_override else "")
        + f") vs. the {tier_code} tier, captured payments created {period}.\n"
    )
    click.echo(simulation_table(rows, tier_code))
    click.echo("\n+/-: what the platform (merchant) would earn more (+) or less (-) on that tier.")
