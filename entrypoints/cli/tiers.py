"""`kassa tiers list|set`: the platform's fee tiers (starter, professional, enterprise)."""

from __future__ import annotations

import click

from application.fees.tiers import UpdateFeeTierCommand
from entrypoints.cli.context import CliState, pass_state, run
from entrypoints.cli.fee_options import bps_option, fixed_amounts, fixed_option, no_fixed_option
from entrypoints.cli.fee_render import fee_tier_json, schedule_text, tiers_table
from entrypoints.cli.operator import operator_actor
from entrypoints.cli.payments import json_option
from entrypoints.cli.render import echo_json


@click.group()
def tiers() -> None:
    """Platform fee tiers."""


@tiers.command("list")
@json_option
@pass_state
def list_tiers(state: CliState, as_json: bool) -> None:
    """Every tier, by level."""
    found = sorted(run(state, lambda c: c.list_fee_tiers().execute()), key=lambda t: t.level)
    if as_json:
        data = [fee_tier_json(t) for t in found]
        echo_json({"object": "list", "data": data, "has_more": False})
        return
    click.echo(tiers_table(found))


@tiers.command("set")
@click.argument("code")
@bps_option
@fixed_option
@no_fixed_option
@click.option("--name", default=None, help="A new display name.")
@json_option
@pass_state
def set_tier(
    state: CliState,
    code: str,
    bps: int | None,
    fixed: tuple[str, ...],
    no_fixed: bool,
    name: str | None,
    as_json: bool,
) -> None:
    """Reprice a tier for payments captured from now on; captured ones keep their fees."""
    amounts = fixed_amounts(fixed, no_fixed)
    if bps is None and amounts is None and not name:
        raise click.ClickException("Give --bps, --fixed, --no-fixed or --name.")
    command = UpdateFeeTierCommand(
        code=code,
        actor=operator_actor(),
        percentage_bps=bps,
        fixed_amounts=amounts,
        name=name.strip() if name else None,
    )
    tier = run(state, lambda c: c.update_fee_tier().execute(command))
    if as_json:
        echo_json(fee_tier_json(tier))
        return
    click.echo(f"Tier {tier.code} ({tier.name}): {schedule_text(tier.schedule)}.")
