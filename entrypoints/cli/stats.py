"""`kassa stats`: payment statistics per currency (§8), every tenant's or one's."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import click

from application.payments.stats import CurrencyStats
from entrypoints.cli.context import CliState, pass_state, run
from entrypoints.cli.payments import json_option
from entrypoints.cli.render import echo_json, money, table, timestamp, to_json
from entrypoints.http.payments.stats import PaymentStatsResource, currency_stats_resource

_HEADERS = ("CURRENCY", "PAYMENTS", "SUCCEEDED", "FAILED", "CAPTURED", "REFUNDED",
            "PLATFORM FEES", "GATEWAY FEES", "NET", "SUCCESS", "REFUNDS", "DISPUTES")  # fmt: skip


def _rate(value: Decimal | None) -> str:
    return "—" if value is None else f"{(value * 100).quantize(Decimal('0.1'))} %"


def stats_table(found: list[CurrencyStats]) -> str:
    rows = []
    for stats in found:
        t, c = stats.totals, stats.totals.currency
        rows.append((
            c, str(sum(t.counts.values())), str(t.counts.get("succeeded", 0)),
            str(t.counts.get("failed", 0)), money(t.captured, c), money(t.refunded, c),
            money(t.platform_fees - t.platform_fees_reversed, c), money(t.gateway_fees, c),
            money(stats.net, c), _rate(stats.success_rate), _rate(stats.refund_rate),
            str(t.disputed),
        ))  # fmt: skip
    return table(rows, right=set(range(1, len(_HEADERS))), headers=_HEADERS)


@click.command()
@click.option("--tenant", "tenant_id", default=None, help="One tenant's [default: every tenant].")
@click.option("--from", "since", type=click.DateTime(), default=None,
              help="Payments created at or after (UTC).")  # fmt: skip
@click.option("--to", "until", type=click.DateTime(), default=None,
              help="Payments created before (UTC).")  # fmt: skip
@json_option
@pass_state
def stats(
    state: CliState,
    tenant_id: str | None,
    since: datetime | None,
    until: datetime | None,
    as_json: bool,
) -> None:
    """Counts, amounts, fees, success and refund rates per currency."""
    since, until = _utc(since), _utc(until)
    found = list(run(state, lambda c: c.payment_statistics().execute(tenant_id, since, until)))
    if as_json:
        resource = PaymentStatsResource(
            object="payment_stats",
            tenant_id=tenant_id,
            start=timestamp(since),
            end=timestamp(until),
            data=[currency_stats_resource(s) for s in found],
        )
        echo_json(to_json(resource))
        return
    if not found:
        click.echo("No payments in that period.")
        return
    click.echo(stats_table(found))


def _utc(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.replace(tzinfo=moment.tzinfo or UTC)
