"""`kassa receipts show`: a payment's receipt as JSON, HTML or PDF."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import click
import msgspec

from domain.receipt import ReceiptDocument
from entrypoints.cli.context import CliState, pass_state, run
from entrypoints.cli.payments import tenant_option
from entrypoints.cli.render import echo_json
from entrypoints.container import Container
from entrypoints.http.payments.receipt_resources import receipt_resource


@click.group()
def receipts() -> None:
    """Receipts of succeeded payments."""


@receipts.command()
@click.argument("payment_id")
@tenant_option
@click.option(
    "--format", "kind", type=click.Choice(["json", "html", "pdf"]), default="json",
    show_default=True,
)  # fmt: skip
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
    help="Write to this file [default: standard output].",
)  # fmt: skip
@pass_state
def show(state: CliState, payment_id: str, tenant_id: str, kind: str, output: Path | None) -> None:
    """The receipt of PAYMENT_ID (404-like failure until the payment has succeeded)."""

    async def render(c: Container) -> tuple[ReceiptDocument, bytes | str | None]:
        document = await c.get_receipt().execute(tenant_id, payment_id)
        if kind == "pdf":
            return document, await asyncio.to_thread(c.receipt_renderer().pdf, document)
        if kind == "html":
            return document, c.receipt_renderer().html(document)
        return document, None

    document, rendered = run(state, render)
    if rendered is None:
        data = msgspec.to_builtins(receipt_resource(document))
        if output is None:
            echo_json(data)
            return
        rendered = msgspec.json.format(msgspec.json.encode(data), indent=2).decode() + "\n"
    content = rendered.encode() if isinstance(rendered, str) else rendered
    if output is None:
        sys.stdout.buffer.write(content)
        sys.stdout.flush()
        return
    output.write_bytes(content)
    click.echo(f"Wrote receipt {document.receipt.number} to {output}.", err=True)
