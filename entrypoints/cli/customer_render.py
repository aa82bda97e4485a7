"""Customers, invoices and portal links for people (tables) and scripts (the API's JSON)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, cast

import msgspec

from application.portal.tokens import IssuedToken
from domain.customer import Customer
from domain.invoice import Invoice
from domain.portal_token import PortalToken
from entrypoints.cli.render import money, table, timestamp
from entrypoints.http.customers.resources import (
    customer_resource,
    invoice_resource,
    portal_token_resource,
)


def _builtins(resource: msgspec.Struct) -> dict[str, Any]:
    return cast(dict[str, Any], msgspec.to_builtins(resource))


def customer_json(customer: Customer) -> dict[str, Any]:
    return _builtins(customer_resource(customer))


def invoice_json(invoice: Invoice) -> dict[str, Any]:
    return _builtins(invoice_resource(invoice))


def token_json(
    token: PortalToken, now: datetime, issued: IssuedToken | None = None
) -> dict[str, Any]:
    """The API's portal_token resource; with `token` and `url` only when just issued."""
    if issued is None:
        return _builtins(portal_token_resource(token, now))
    shown = portal_token_resource(
        token, now, secret=issued.secret, url=issued.url, emailed=issued.emailed
    )
    return _builtins(shown)


def _day(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


def customers_table(customers: Sequence[Customer]) -> str:
    headers = ["ID", "EMAIL", "NAME", "GATEWAY", "CREATED"]
    rows = [
        [c.id, c.email, c.name or "", c.gateway_customer_id or "", _day(c.created_at)]
        for c in customers
    ]
    return table(rows, right=set(), headers=headers)


def invoices_table(invoices: Sequence[Invoice]) -> str:
    headers = ["ID", "NUMBER", "CUSTOMER", "STATUS", "TOTAL", "DUE", "DUE DATE"]
    rows = [
        [
            i.id,
            i.number,
            i.customer_id,
            i.status.value,
            money(i.total, i.currency),
            money(i.amount_due, i.currency),
            i.due_date.isoformat() if i.due_date else "",
        ]
        for i in invoices
    ]
    return table(rows, right={4, 5}, headers=headers)


def invoice_details(invoice: Invoice) -> str:
    c = invoice.currency
    fields = [
        ("Invoice", f"{invoice.number}  ({invoice.id}, customer {invoice.customer_id})"),
        ("Status", invoice.status.value),
        ("Total", money(invoice.total, c)),
        ("Paid", money(invoice.amount_paid, c)),
        ("Due", money(invoice.amount_due, c)),
        ("Due date", invoice.due_date.isoformat() if invoice.due_date else "-"),
        ("Created", timestamp(invoice.created_at) or ""),
    ]
    lines = [
        [line.description, str(line.quantity), money(line.unit_amount, c), money(line.amount, c)]
        for line in invoice.lines
    ]
    return (
        table(fields, right=set())
        + "\n\n"
        + table(lines, right={1, 2, 3}, headers=["LINE", "QTY", "UNIT", "AMOUNT"])
    )


def tokens_table(tokens: Sequence[PortalToken], now: datetime) -> str:
    headers = ["ID", "CUSTOMER", "INVOICE", "STATUS", "USES", "LAST USED", "EXPIRES"]
    rows = [
        [
            t.id,
            t.customer_id,
            t.invoice_id or "(any open)",
            t.effective_status(now).value,
            str(t.usage_count),
            _day(t.last_used_at) if t.last_used_at else "never",
            _day(t.expires_at),
        ]
        for t in tokens
    ]
    return table(rows, right={4}, headers=headers)
