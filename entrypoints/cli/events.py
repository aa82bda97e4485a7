"""`kassa events list|show|redeliver|deliver` and `kassa endpoints list|create|disable`:
merchant events (SPEC §14) from an operator's seat."""

from __future__ import annotations

from typing import Any

import click

from application.events.endpoints import EndpointChanges
from application.ports.repositories import PageRequest
from domain.merchant_event import EVENT_TYPES
from domain.webhook_endpoint import WebhookEndpoint
from entrypoints.cli.context import CliState, pass_state, run
from entrypoints.cli.payments import json_option, page_options
from entrypoints.cli.render import echo_json, table, timestamp
from entrypoints.container import Container
from entrypoints.event_delivery import EventDeliveryRunner
from entrypoints.http.events.resources import delivery_resource, endpoint_resource, event_resource
from entrypoints.log_format import configure_logging
from entrypoints.signals import run_until_signalled


@click.group()
def events() -> None:
    """Merchant events: what Kassa told (or will tell) the platform's services."""


@events.command("list")
@click.option("--tenant", default=None, help="One tenant's events (default: every tenant's).")
@click.option("--type", "event_type", type=click.Choice(EVENT_TYPES), default=None)
@page_options("An event id", limit=20)
@json_option
@pass_state
def list_events(
    state: CliState,
    tenant: str | None,
    event_type: str | None,
    page: PageRequest,
    as_json: bool,
) -> None:
    """Newest first, the last 30 days."""
    found = run(state, lambda c: c.merchant_event_queries().list(tenant, event_type, page))
    if as_json:
        data = [event_resource(e) for e in found.data]
        echo_json({"object": "list", "data": data, "has_more": found.has_more})
        return
    if not found.data:
        click.echo("No events.")
        return
    rows = [[e.id, e.tenant_id, e.type, timestamp(e.created_at) or ""] for e in found.data]
    click.echo(table(rows, right=set(), headers=["ID", "TENANT", "TYPE", "CREATED"]))


@events.command("show")
@click.argument("event_id")
@json_option
@pass_state
def show_event(state: CliState, event_id: str, as_json: bool) -> None:
    """The event as sent, and its deliveries with every attempt."""

    async def work(c: Container) -> tuple[dict[str, Any], list[Any]]:
        queries = c.merchant_event_queries()
        event = await queries.get(None, event_id)
        deliveries = await queries.deliveries_of_event(None, event_id)
        return event_resource(event), [delivery_resource(d) for d in deliveries]

    event, deliveries = run(state, work)
    if as_json:
        import msgspec

        echo_json({**event, "deliveries": msgspec.to_builtins(deliveries)})
        return
    click.echo(f"{event['id']}  {event['type']}  tenant {event['tenant_id']}")
    for d in deliveries:
        click.echo(f"  {d.id} → {d.endpoint_id}: {d.status.value}, {len(d.attempts)} attempt(s)")
        for a in d.attempts:
            code = a.status_code if a.status_code is not None else "-"
            click.echo(
                f"    {timestamp(a.attempted_at)}  {code}  {a.latency_ms} ms  {a.error or ''}"
            )


@events.command("redeliver")
@click.argument("event_id")
@pass_state
def redeliver(state: CliState, event_id: str) -> None:
    """Make every delivery of the event due now (a worker sends it again)."""
    count = run(state, lambda c: c.redeliver_event().execute(None, event_id))
    click.echo(f"{count} deliver{'y' if count == 1 else 'ies'} due again.")


@events.command("deliver")
@click.option("--once", is_flag=True, help="Deliver what is due, then exit.")
@pass_state
def deliver(state: CliState, once: bool) -> None:
    """Run a delivery worker until SIGTERM (several may run at once)."""
    configure_logging(state.settings.log_level, state.settings.log_format)

    async def work(c: Container) -> Any:
        try:
            runner = EventDeliveryRunner(c)
            return await run_until_signalled(runner.stop, runner.run(until_empty=once))
        finally:
            await c.webhook_sender().aclose()

    tally = run(state, work)
    summary = ", ".join(f"{n} {k}" for k, n in sorted(tally.items())) or "nothing"
    click.echo(f"Delivered: {summary}.")


@click.group()
def endpoints() -> None:
    """Tenants' webhook endpoints, where merchant events are sent."""


def _row(e: WebhookEndpoint) -> list[str]:
    state = "disabled" if e.disabled else ("failing" if e.failing_since else "enabled")
    return [e.id, e.tenant_id, e.url, ",".join(e.enabled_events), state]


@endpoints.command("list")
@click.option("--tenant", default=None)
@json_option
@pass_state
def list_endpoints(state: CliState, tenant: str | None, as_json: bool) -> None:
    found = run(state, lambda c: c.webhook_endpoints().list(tenant))
    if as_json:
        import msgspec

        echo_json(
            {"object": "list", "data": msgspec.to_builtins([endpoint_resource(e) for e in found])}
        )
        return
    if not found:
        click.echo("No endpoints.")
        return
    headers = ["ID", "TENANT", "URL", "EVENTS", "STATE"]
    click.echo(table([_row(e) for e in found], right=set(), headers=headers))
    for e in found:
        if e.disabled_reason:
            click.echo(f"{e.id}: {e.disabled_reason}")


@endpoints.command("create")
@click.option("--tenant", required=True)
@click.option("--url", required=True)
@click.option("--event", "enabled", multiple=True, help="An event type (repeat); default: all.")
@click.option("--description", default=None)
@pass_state
def create_endpoint(
    state: CliState, tenant: str, url: str, enabled: tuple[str, ...], description: str | None
) -> None:
    """Prints the endpoint and its signing secret (shown this once)."""
    made = run(
        state,
        lambda c: c.webhook_endpoints().create(tenant, url, list(enabled) or ["*"], description),
    )
    click.echo(f"{made.id}  {made.url}\nsecret: {made.secret}")


@endpoints.command("disable")
@click.argument("endpoint_id")
@click.option("--tenant", required=True)
@pass_state
def disable_endpoint(state: CliState, endpoint_id: str, tenant: str) -> None:
    changes = EndpointChanges(disabled=True)
    run(state, lambda c: c.webhook_endpoints().update(tenant, endpoint_id, changes))
    click.echo(f"{endpoint_id} disabled.")
