"""`kassa`: the operator's command line (SPEC §10). Every command reads the same KASSA_*."""

from __future__ import annotations

import click

from entrypoints.cli.audit import audit
from entrypoints.cli.auth import auth
from entrypoints.cli.context import CliState, KassaGroup
from entrypoints.cli.customers import customers, invoices
from entrypoints.cli.db import db
from entrypoints.cli.demo import demo
from entrypoints.cli.events import endpoints, events
from entrypoints.cli.fees import fees
from entrypoints.cli.gateway import gateway
from entrypoints.cli.mail import mail
from entrypoints.cli.payments import payments
from entrypoints.cli.receipts import receipts
from entrypoints.cli.reconcile import reconcile
from entrypoints.cli.serve import serve
from entrypoints.cli.stats import stats
from entrypoints.cli.tenants import tenants
from entrypoints.cli.tiers import tiers
from entrypoints.cli.tokens import tokens
from entrypoints.cli.webhooks import webhooks
from entrypoints.settings import Settings


@click.group(cls=KassaGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kassa", prog_name="kassa")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Kassa, a self-hosted payments backend, configured by KASSA_* variables."""
    if ctx.obj is None:
        ctx.obj = CliState(Settings.from_env())


for command in (serve, db, auth, demo, payments):
    cli.add_command(command)
for command in (tenants, tiers, fees, audit):
    cli.add_command(command)
for command in (webhooks, reconcile, gateway, stats):
    cli.add_command(command)
for command in (customers, invoices, tokens):
    cli.add_command(command)
for command in (receipts, mail):
    cli.add_command(command)
for command in (events, endpoints):
    cli.add_command(command)
