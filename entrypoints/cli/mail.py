"""`kassa mail list|send`: the mail outbox, and one sending round."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import click

from application.ports.repositories import PageRequest
from domain.mail import MailStatus, OutboxMail
from entrypoints.cli.context import CliState, pass_state, run
from entrypoints.cli.payments import json_option, page_options
from entrypoints.cli.render import echo_page, table, timestamp


@click.group()
def mail() -> None:
    """Receipts and portal links sent by e-mail (the outbox)."""


def mail_json(m: OutboxMail) -> dict[str, Any]:
    return {
        "id": m.id,
        "object": "mail",
        "tenant_id": m.tenant_id,
        "kind": m.kind.value,
        "recipient": m.recipient,
        "subject": m.subject,
        "body": m.shown_body,
        "receipt_id": m.receipt_id,
        "status": m.status.value,
        "attempts": m.attempts,
        "next_attempt_at": timestamp(m.next_attempt_at),
        "last_error": m.last_error,
        "sent_at": timestamp(m.sent_at),
        "created_at": timestamp(m.created_at),
    }


@mail.command("list")
@click.option("--status", type=click.Choice([s.value for s in MailStatus]), default=None)
@page_options("A mail id", limit=20)
@json_option
@pass_state
def list_mail(state: CliState, status: str | None, page: PageRequest, as_json: bool) -> None:
    """Newest first: what was sent, what waits for a retry, what gave up and why."""
    wanted = MailStatus(status) if status else None
    found = run(state, lambda c: c.list_mail().execute(wanted, page))
    echo_page(
        found.data, found.has_more, as_json, to_json=mail_json, table=mail_table, empty="No mail."
    )


def mail_table(mails: Sequence[OutboxMail]) -> str:
    rows = [
        [m.id, m.kind.value, m.recipient, m.status.value, str(m.attempts),
         timestamp(m.sent_at) or "", (m.last_error or "")[:40]]
        for m in mails
    ]  # fmt: skip
    header = ["ID", "KIND", "TO", "STATUS", "ATTEMPTS", "SENT", "LAST ERROR"]
    return table(rows, right={4}, headers=header)


@mail.command("send")
@pass_state
def send(state: CliState) -> None:
    """Send the mails that are due, once (`kassa serve` does this all along)."""
    done = run(state, lambda c: c.send_outbox_mail().execute())
    click.echo(f"Sent {done.sent}, failed {done.failed} (failures are retried with backoff).")
    if done.failed:
        raise SystemExit(1)
