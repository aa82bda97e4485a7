"""Payments for people (aligned plain-text tables) and for scripts (the API's JSON shape)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from domain.money import Money
from domain.payment import Payment
from domain.refund import Refund


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


def refund_json(refund: Refund) -> dict[str, Any]:
    return {
        "id": refund.id,
        "object": "refund",
        "amount": refund.amount.amount,
        "currency": refund.amount.currency.lower(),
        "reason": refund.reason,
        "status": refund.status.value,
        "failure_reason": refund.failure_reason,
        "platform_fee_reversed": refund.platform_fee_reversed.amount,
        "created_at": timestamp(refund.created_at),
    }


def payment_json(p: Payment) -> dict[str, Any]:
    """The payment resource of SPEC §3, amounts in minor units."""
    return {
        "id": p.id,
        "object": "payment",
        "tenant_id": p.tenant_id,
        "order_id": p.order_id,
        "customer_id": p.customer_id,
        "amount": p.amount.amount,
        "currency": p.currency.lower(),
        "capture_method": p.capture_method.value,
        "status": p.status.value,
        "refund_status": p.refund_status.value,
        "dispute_status": p.dispute_status.value,
        "amount_capturable": p.amount_capturable,
        "amount_captured": p.amount_captured,
        "amount_refunded": p.amount_refunded,
        "platform_fee": p.platform_fee,
        "gateway_fee": p.gateway_fee,
        "gateway_fee_source": p.gateway_fee_source.value,
        "net_amount": p.net_amount,
        "gateway": p.gateway,
        "gateway_payment_id": p.gateway_payment_id,
        "failure_code": p.failure_code,
        "failure_message": p.failure_message,
        "cancellation_reason": p.cancellation_reason,
        "outcome_unknown": p.outcome_unknown,
        "refunds": [refund_json(r) for r in p.refunds],
        "metadata": dict(p.metadata),
        "created_at": timestamp(p.created_at),
        "updated_at": timestamp(p.updated_at),
    }


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
