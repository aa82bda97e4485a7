"""`kassa audit list`: who changed what, newest first (every tenant, or one)."""

from __future__ import annotations

import click

from application.ports.repositories import AuditFilter, PageRequest
from entrypoints.cli.context import CliState, pass_state, run
from entrypoints.cli.fee_render import audit_entry_json, audit_table
from entrypoints.cli.payments import json_option, page_options
from entrypoints.cli.render import echo_page


@click.group()
def audit() -> None:
    """The audit trail."""


@audit.command("list")
@click.option("--tenant", "tenant_id", default=None, help="One tenant's entries [default: all].")
@click.option("--action", default=None, help="Only this action, e.g. tenant.fee_tier_changed.")
@click.option("--entity", "entity_id", default=None, help="Only entries about this id.")
@page_options("An entry id", limit=20)
@json_option
@pass_state
def list_entries(
    state: CliState,
    tenant_id: str | None,
    action: str | None,
    entity_id: str | None,
    page: PageRequest,
    as_json: bool,
) -> None:
    """Newest first, one page at a time."""
    where = AuditFilter(tenant_id=tenant_id, action=action, entity_id=entity_id)
    found = run(state, lambda c: c.list_audit_entries().execute(where, page))
    echo_page(
        found.data,
        found.has_more,
        as_json,
        to_json=audit_entry_json,
        table=audit_table,
        empty="No audit entries match.",
    )
