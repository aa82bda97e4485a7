"""`kassa webhooks consume|list|show|replay|stats`: the inbox of gateway events (SPEC §6)."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from application.ports.repositories import PageRequest
from application.ports.webhook_inbox import WebhookEventFilter
from application.webhooks.queries import InboxHealth
from domain.webhook_event import WebhookEvent, WebhookStatus
from entrypoints.cli.context import CliState, pass_state, run
from entrypoints.cli.payments import json_option, page_options
from entrypoints.cli.render import echo_json, table, timestamp
from entrypoints.consumer import (
    BATCH,
    DEFAULT_CONCURRENCY,
    IDLE_POLL_S,
    RECONCILE_EVERY_S,
    SAFETY_POLL_S,
    ConsumerRunner,
    InboxWakeup,
    Tally,
)
from entrypoints.container import Container
from entrypoints.log_format import configure_logging
from entrypoints.signals import run_until_signalled

gateway_option = click.option(
    "--gateway",
    type=click.Choice(["stripe", "fake"]),
    default=None,
    help="The gateway that sent the event(s): event ids are unique per gateway only.",
)


def event_json(event: WebhookEvent, with_payload: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": event.id,
        "object": "webhook_event",
        "gateway": event.gateway,
        "type": event.type,
        "status": event.status.value,
        "attempts": event.attempts,
        "received_at": timestamp(event.received_at),
        "next_attempt_at": timestamp(event.next_attempt_at),
        "locked_until": timestamp(event.locked_until),
        "processed_at": timestamp(event.processed_at),
        "last_error": event.last_error,
    }
    if with_payload:
        data["payload"] = readable_payload(event.payload)
    return data


def readable_payload(payload: bytes) -> Any:
    """The event as JSON when it parses, else its text (the bytes are kept as received)."""
    try:
        return json.loads(payload)
    except ValueError:
        return payload.decode("utf-8", errors="replace")


def events_table(events: list[WebhookEvent]) -> str:
    headers = ["ID", "GATEWAY", "TYPE", "STATUS", "ATTEMPTS", "RECEIVED", "LAST ERROR"]
    rows = [
        [
            e.id,
            e.gateway,
            e.type,
            e.status.value,
            str(e.attempts),
            e.received_at.strftime("%Y-%m-%d %H:%M:%S"),
            (e.last_error or "")[:60],
        ]
        for e in events
    ]
    return table(rows, right={4}, headers=headers)


def event_details(event: WebhookEvent) -> str:
    fields = [
        ("Event", f"{event.id}  ({event.gateway})"),
        ("Type", event.type),
        ("Status", f"{event.status.value}  after {event.attempts} attempt(s)"),
        ("Received", timestamp(event.received_at) or ""),
    ]
    if event.status in (WebhookStatus.PENDING, WebhookStatus.FAILED):
        fields.append(("Next attempt", timestamp(event.next_attempt_at) or ""))
    if event.locked_until is not None:
        fields.append(("Leased until", timestamp(event.locked_until) or ""))
    if event.processed_at is not None:
        fields.append(("Done", timestamp(event.processed_at) or ""))
    if event.last_error:
        fields.append(("Last error", event.last_error))
    payload = readable_payload(event.payload)
    shown = json.dumps(payload, indent=2) if not isinstance(payload, str) else payload
    return table(fields, right=set()) + "\n\n" + shown


def health_json(health: InboxHealth) -> dict[str, Any]:
    return {"counts": health.counts, "lag_seconds": health.lag_seconds, "dead": health.dead}


def health_text(health: InboxHealth) -> str:
    rows = [[status, str(n)] for status, n in health.counts.items()]
    lag = "none waiting" if health.lag_seconds is None else f"{health.lag_seconds:.1f} s"
    return "\n".join(
        [
            table(rows, right={1}, headers=["STATUS", "EVENTS"]),
            "",
            f"Oldest waiting: {lag}",
            f"Dead: {health.dead}" + ("  (kassa webhooks replay --dead)" if health.dead else ""),
        ]
    )


@click.group()
def webhooks() -> None:
    """Gateway events, received once and applied by consumers."""


@webhooks.command()
@click.option("--once", is_flag=True, help="Apply the events due now, then exit.")
@click.option(
    "--concurrency",
    type=click.IntRange(1, 64),
    default=DEFAULT_CONCURRENCY,
    show_default=True,
    help="Workers in this process (run more processes to scale out).",
)
@click.option(
    "--batch",
    type=click.IntRange(1, 500),
    default=BATCH,
    show_default=True,
    help="Events a worker leases at a time.",
)
@click.option(
    "--reconcile-every",
    type=click.FloatRange(min=0),
    default=None,
    help=(
        f"Seconds between payment reconciliations, 0 for never [default: {RECONCILE_EVERY_S:g}; "
        "never with a fake gateway kept in the server's memory]."
    ),
)
@pass_state
def consume(
    state: CliState, once: bool, concurrency: int, batch: int, reconcile_every: float | None
) -> None:
    """Apply received events (until stopped, or with --once until none is due).

    Run as many as you like, on any machines sharing the database: each event is leased
    to one consumer at a time and applied once. Events that fail are retried with
    backoff; after 8 attempts they are dead (see `replay`)."""
    settings = state.settings
    configure_logging(settings.log_level, settings.log_format)
    if reconcile_every is None:
        in_server = settings.gateway == "fake" and settings.fake_gateway_books == "memory"
        reconcile_every = 0.0 if in_server else RECONCILE_EVERY_S

    async def work(container: Container) -> Tally:
        wakeup: InboxWakeup = container.inbox_wakeup()
        await wakeup.start(listen=not once)
        runner = ConsumerRunner(
            container,
            wakeup,
            concurrency=concurrency,
            batch=batch,
            # Woken by NOTIFY on PostgreSQL: polling is then only for retries and leases.
            poll_seconds=SAFETY_POLL_S if wakeup.crosses_processes else IDLE_POLL_S,
            reconcile_every=reconcile_every or None,
        )
        try:
            work = runner.drain() if once else runner.run()
            return await run_until_signalled(runner.stop, work, ready=None if once else ready)
        finally:
            await wakeup.close()

    def ready() -> None:
        click.echo(
            f"Consuming webhook events with {concurrency} worker(s); SIGTERM or Ctrl-C stops.",
            err=True,
        )

    tally = run(state, work)
    click.echo(("Applied: " if once else "Stopped after: ") + tally.summary())


@webhooks.command("list")
@click.option("--status", type=click.Choice([s.value for s in WebhookStatus]), default=None)
@click.option("--type", "event_type", default=None, help="e.g. payment_intent.succeeded")
@page_options("An event id", limit=20)
@gateway_option
@json_option
@pass_state
def list_events(
    state: CliState,
    status: str | None,
    event_type: str | None,
    page: PageRequest,
    gateway: str | None,
    as_json: bool,
) -> None:
    """Newest first, one page at a time (from every gateway unless --gateway)."""
    where = WebhookEventFilter(WebhookStatus(status) if status else None, event_type, gateway)
    found = run(state, lambda c: c.list_webhook_events().execute(where, page))
    if as_json:
        data = [event_json(e) for e in found.data]
        echo_json({"object": "list", "data": data, "has_more": found.has_more})
        return
    if not found.data:
        click.echo("No webhook events.")
        return
    click.echo(events_table(list(found.data)))
    if found.has_more:
        within = f"--gateway {gateway} " if gateway else ""
        click.echo(f"\nMore: {within}--starting-after {found.data[-1].id}")


@webhooks.command()
@click.argument("event_id")
@gateway_option
@json_option
@pass_state
def show(state: CliState, event_id: str, gateway: str | None, as_json: bool) -> None:
    """One event, its processing and its payload."""
    event = run(state, lambda c: c.get_webhook_event().execute(event_id, gateway))
    if as_json:
        echo_json(event_json(event, with_payload=True))
        return
    click.echo(event_details(event))


@webhooks.command()
@click.argument("event_ids", nargs=-1)
@click.option("--dead", is_flag=True, help="Every dead event.")
@gateway_option
@pass_state
def replay(state: CliState, event_ids: tuple[str, ...], dead: bool, gateway: str | None) -> None:
    """Send events back to pending: EVENT_ID... or --dead.

    Each gets a new round of attempts (a dead event's payment may be known by now)."""
    if bool(event_ids) == dead:
        raise click.UsageError("Name events to replay, or pass --dead (not both).")

    async def work(container: Container) -> int:
        replay_events = container.replay_webhook_events()
        if dead:
            keys = [k for k in await replay_events.dead_keys() if gateway in (None, k.gateway)]
        else:
            keys = await replay_events.resolve(event_ids, gateway)
        if not keys:
            return 0
        with click.progressbar(length=len(keys), label="Replaying", file=sys.stderr) as bar:
            await replay_events.execute(keys, progress=lambda _: bar.update(1))
        return len(keys)

    replayed = run(state, work)
    if replayed == 0:
        click.echo("No dead events to replay.")
        return
    click.echo(f"Replayed {replayed} event(s): pending again.")


@webhooks.command()
@json_option
@pass_state
def stats(state: CliState, as_json: bool) -> None:
    """Events per status, how long the oldest has waited, dead events."""
    health = run(state, lambda c: c.inbox_health().execute())
    if as_json:
        echo_json(health_json(health))
        return
    click.echo(health_text(health))
