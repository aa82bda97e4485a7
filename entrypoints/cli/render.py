"""Payments for people (aligned plain-text tables) and for scripts (the API's JSON shape)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

import click
import msgspec

from domain.money import Money
from domain.payment import Payment
from domain.refund import Refund
from entrypoints.http.payments.resources import payment_resource, refund_resource


class _Listed(Protocol):
    @property
    def id(self) -> str: ...


T = TypeVar("T", bound=_Listed)


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2))


def echo_page(
    items: Sequence[T],
    has_more: bool,
    as_json: bool,
    *,
    to_json: Callable[[T], Any],
    table: Callable[[Sequence[T]], str],
    empty: str,
) -> None:
    """A list command's page: Stripe's list object, or a table and where the next page
    starts (`empty` when there is nothing to show)."""
    if as_json:
        echo_json({"object": "list", "data": [to_json(i) for i in items], "has_more": has_more})
        return
    if not items:
        click.echo(empty)
        return
    click.echo(table(items))
    if has_more:
        click.echo(f"\nMore: --starting-after {items[-1].id}")


def money(amount: int, currency: str) -> str:
    """`9380` USD → `93.80 USD`: the currency's own number of decimals."""
    return str(Money(amount, currency))


def timestamp(at: datetime | None) -> str | None:
    if at is None:
        return None
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def table(
    rows: Sequence[Sequence[str]], right: set[int], headers: Sequence[str] | None = None
) -> str:
    """Columns padded to their widest cell; the columns in `right` are right-aligned."""
    lines = [headers, *rows] if headers else list(rows)
    widths = [max(len(cell) for cell in column) for column in zip(*lines, strict=True)]

    def line(cells: Sequence[str]) -> str:
        padded = (
            cell.rjust(width) if i in right else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        )
        return "  ".join(padded).rstrip()

    return "\n".join(line(cells) for cells in lines)


def to_json(resource: msgspec.Struct) -> dict[str, Any]:
    """The API's JSON for a resource, so scripts read the CLI and the API alike."""
    data: dict[str, Any] = msgspec.to_builtins(resource)
    return data


def payment_json(p: Payment) -> dict[str, Any]:
    """The payment resource exactly as the API renders it (SPEC §3), for scripts."""
    return to_json(payment_resource(p))


def refund_json(p: Payment, refund: Refund) -> dict[str, Any]:
    return to_json(refund_resource(p, refund))


def payments_table(payments: Sequence[Payment]) -> str:
    headers = ["ID", "ORDER", "STATUS", "AMOUNT", "CAPTURED", "REFUNDED", "CREATED"]
    rows = [
        [
            p.id,
            p.order_id,
            p.status.value,
            money(p.amount.amount, p.currency),
            money(p.amount_captured, p.currency),
            money(p.amount_refunded, p.currency),
            p.created_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M"),
        ]
        for p in payments
    ]
    return table(rows, right={3, 4, 5}, headers=headers)


def payment_details(p: Payment) -> str:
    c = p.currency
    fields = [
        ("Payment", f"{p.id}  ({p.tenant_id}, order {p.order_id})"),
        ("Status", p.status.value + ("  (outcome unknown)" if p.outcome_unknown else "")),
        ("Amount", f"{money(p.amount.amount, c)}  ({p.capture_method.value} capture)"),
        ("Capturable", money(p.amount_capturable, c)),
        ("Captured", money(p.amount_captured, c)),
        ("Refunded", f"{money(p.amount_refunded, c)}  (refunds: {p.refund_status.value})"),
        ("Platform fee", money(p.platform_fee, c)),
        ("Gateway fee", f"{money(p.gateway_fee, c)}  ({p.gateway_fee_source.value})"),
        ("Net", money(p.net_amount, c)),
        ("Gateway", f"{p.gateway} {p.gateway_payment_id or ''}".rstrip()),
    ]
    if p.failure_code:
        fields.append(("Failure", f"{p.failure_code}: {p.failure_message or ''}".rstrip()))
    if p.cancellation_reason:
        fields.append(("Canceled", p.cancellation_reason))
    if p.dispute_status.value != "none":
        fields.append(("Dispute", p.dispute_status.value))
    fields.append(("Created", timestamp(p.created_at) or ""))
    text = table(fields, right=set())
    if p.refunds:
        rows = [
            [
                r.id,
                money(r.amount.amount, c),
                r.status.value,
                r.reason or "",
                money(r.platform_fee_reversed.amount, c),
                timestamp(r.created_at) or "",
            ]
            for r in p.refunds
        ]
        headers = ["REFUND", "AMOUNT", "STATUS", "REASON", "FEE REVERSED", "CREATED"]
        text += "\n\n" + table(rows, right={1, 4}, headers=headers)
    return text
