"""`kassa audit list`: who changed what, newest first (every tenant, or one)."""

from __future__ import annotations

import click

from application.ports.repositories import AuditFilter, PageRequest
from entrypoints.cli.context import CliState, pass_state, run
from entrypoints.cli.fee_render import audit_entry_json, audit_table
from entrypoints.cli.payments import json_option
from entrypoints.cli.render import echo_page


@click.group()
def audit() -> None:
    """The audit trail."""


@audit.command("list")
@click.option("--tenant", "tenant_id", default=None, help="One tenant's entries [default: all].")
@click.option("--action", default=None, help="Only this action, e.g. tenant.fee_tier_changed.")
@click.option("--entity", "entity_id", default=None, help="Only entries about this id.")
@click.option("--limit", type=click.IntRange(1, 100), default=20, show_default=True)
@click.option("--starting-after", default=None, help="An entry id: the page after it.")
@json_option
@pass_state
def list_entries(
    state: CliState,
    tenant_id: str | None,
    action: str | None,
    entity_id: str | None,
    limit: int,
    starting_after: str | None,
    as_json: bool,
) -> None:
    """Newest first, one page at a time."""
    where = AuditFilter(tenant_id=tenant_id, action=action, entity_id=entity_id)
    page_request = PageRequest(limit=limit, starting_after=starting_after)
    page = run(state, lambda c: c.list_audit_entries().execute(where, page_request))
    echo_page(
        page.data,
        page.has_more,
        as_json,
        to_json=audit_entry_json,
        table=audit_table,
        empty="No audit entries match.",
    )
