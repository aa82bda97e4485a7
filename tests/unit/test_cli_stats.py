"""`kassa stats` on the memory store: a table for people, the API's JSON for scripts."""

from __future__ import annotations

import json

from click.testing import CliRunner

from entrypoints.cli.context import CliState
from entrypoints.cli.main import cli
from tests.unit.test_cli import MEMORY, authorize


def test_stats_show_each_currencys_figures_as_a_table_and_as_json() -> None:
    state = CliState(MEMORY)
    runner = CliRunner()
    assert runner.invoke(cli, ["demo", "--json"], obj=state).exit_code == 0
    authorize(state, 10_000, "order-1")
    authorize(state, 5_000, "order-2")

    shown = runner.invoke(cli, ["stats"], obj=state)
    as_json = runner.invoke(cli, ["stats", "--tenant", "ten_demo", "--json"], obj=state)
    early = runner.invoke(cli, ["stats", "--to", "2000-01-01"], obj=state)

    assert shown.exit_code == 0, shown.output
    header, usd = shown.stdout.splitlines()
    assert header.split()[:3] == ["CURRENCY", "PAYMENTS", "SUCCEEDED"]
    assert usd.split()[:5] == ["USD", "2", "0", "0", "0.00"]
    body = json.loads(as_json.stdout)
    assert (body["object"], body["tenant_id"]) == ("payment_stats", "ten_demo")
    assert body["data"][0]["counts"] == {"requires_capture": 2}
    assert body["data"][0]["gross"] == 15_000
    assert early.stdout.strip() == "No payments in that period."
