"""`kassa reconcile`: ask the gateway about payments that may have drifted; `--fix` settles."""

from __future__ import annotations

import itertools
import json
import sys
from dataclasses import asdict

import click

from application.payments.reconcile import Drift
from entrypoints.cli.context import CliState, pass_state, run
from entrypoints.cli.render import table
from entrypoints.container import Container


def drift_table(drifts: list[Drift]) -> str:
    headers = ["PAYMENT", "TENANT", "KASSA", "GATEWAY", "ACTION", "FIXED"]
    rows = [
        [d.payment_id, d.tenant_id, d.kassa_status, d.gateway_status, d.action, _yes(d.fixed)]
        for d in drifts
    ]
    return table(rows, right=set(), headers=headers)


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


@click.command()
@click.option("--fix", is_flag=True, help="Settle the drift (otherwise only report it).")
@click.option("--json", "as_json", is_flag=True, help="JSON, for scripts.")
@pass_state
def reconcile(state: CliState, fix: bool, as_json: bool) -> None:
    """Check payments against the gateway; --fix settles the drift.

    Payments with an unknown outcome, stuck in processing, authorized for 7 days (canceled
    with --fix) or with refunds still pending at the bank."""
    settings = state.settings
    in_server = settings.gateway == "fake" and settings.fake_gateway_books == "memory"
    if in_server and settings.store == "sql":
        raise click.ClickException(
            "KASSA_FAKE_GATEWAY_STATE=memory keeps the fake gateway inside the server, "
            "which reconciles every 5 minutes; keep it in the database (the default)."
        )

    async def work(container: Container) -> list[Drift]:
        # How many payments need a look is not known beforehand: the bar counts them.
        with click.progressbar(
            iterable=itertools.repeat(None),  # no length: an open-ended bar
            label="Reconciling",
            show_pos=True,
            file=sys.stderr,
        ) as bar:
            return await container.reconcile_payments().execute(
                fix=fix, progress=lambda _: bar.update(1)
            )

    drifts = run(state, work)
    if as_json:
        click.echo(json.dumps([asdict(d) for d in drifts], indent=2))
        return
    if not drifts:
        click.echo("No drift: Kassa and the gateway agree.")
        return
    click.echo(drift_table(drifts))
    if not fix:
        click.echo("\nNothing was changed: --fix settles the drift.")
