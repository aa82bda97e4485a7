"""Response resources of the merchant admin API: customers, invoices, portal tokens."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Literal

from msgspec import UNSET, Struct, UnsetType

from application.portal.tokens import EmailedLink
from domain.customer import Customer
from domain.invoice import Invoice, InvoiceStatus
from domain.portal_token import PortalToken, PortalTokenStatus


def utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


class CustomerResource(Struct, kw_only=True):
    id: str
    object: Literal["customer"] = "customer"
    email: str
    name: str | None
    gateway_customer_id: str | None
    created_at: datetime


class InvoiceLineResource(Struct, kw_only=True):
    description: str
    quantity: int
    unit_amount: int
    amount: int


class InvoiceResource(Struct, kw_only=True):
    id: str
    object: Literal["invoice"] = "invoice"
    customer_id: str
    number: str
    currency: str
    lines: list[InvoiceLineResource]
    total: int
    amount_paid: int
    amount_due: int
    status: InvoiceStatus
    due_date: date | None
    payment_ids: list[str]
    created_at: datetime


class PortalLinkMailResource(Struct, kw_only=True):
    """The outbox mail that carries the link to the customer (`send_email: true`)."""

    id: str
    object: Literal["mail"] = "mail"
    recipient: str


class PortalTokenResource(Struct, kw_only=True):
    """`token` and `url` exist in the answer to the issuing request only (`null` when
    that answer is replayed under its Idempotency-Key: the secret is never kept)."""

    id: str
    object: Literal["portal_token"] = "portal_token"
    token: str | UnsetType | None = UNSET
    url: str | UnsetType | None = UNSET
    customer_id: str
    invoice_id: str | None
    status: PortalTokenStatus
    expires_at: datetime
    usage_count: int
    last_used_at: datetime | None
    last_ip: str | None
    last_user_agent: str | None
    revoked_at: datetime | None
    created_at: datetime
    email: PortalLinkMailResource | UnsetType = UNSET  # when the link was e-mailed


class CustomerList(Struct, kw_only=True):
    object: Literal["list"] = "list"
    data: list[CustomerResource]
    has_more: bool
    url: str


class InvoiceList(Struct, kw_only=True):
    object: Literal["list"] = "list"
    data: list[InvoiceResource]
    has_more: bool
    url: str


class PortalTokenList(Struct, kw_only=True):
    object: Literal["list"] = "list"
    data: list[PortalTokenResource]
    has_more: bool
    url: str


def customer_resource(customer: Customer) -> CustomerResource:
    return CustomerResource(
        id=customer.id,
        email=customer.email,
        name=customer.name,
        gateway_customer_id=customer.gateway_customer_id,
        created_at=utc(customer.created_at),
    )


def invoice_lines(invoice: Invoice) -> list[InvoiceLineResource]:
    return [
        InvoiceLineResource(
            description=line.description,
            quantity=line.quantity,
            unit_amount=line.unit_amount,
            amount=line.amount,
        )
        for line in invoice.lines
    ]


def invoice_resource(invoice: Invoice) -> InvoiceResource:
    return InvoiceResource(
        id=invoice.id,
        customer_id=invoice.customer_id,
        number=invoice.number,
        currency=invoice.currency.lower(),
        lines=invoice_lines(invoice),
        total=invoice.total,
        amount_paid=invoice.amount_paid,
        amount_due=invoice.amount_due,
        status=invoice.status,
        due_date=invoice.due_date,
        payment_ids=list(invoice.payment_ids),
        created_at=utc(invoice.created_at),
    )


def portal_token_resource(
    token: PortalToken,
    now: datetime,
    *,
    secret: str | UnsetType | None = UNSET,
    url: str | UnsetType | None = UNSET,
    emailed: EmailedLink | None = None,
) -> PortalTokenResource:
    """The token as the merchant sees it: its status as of `now`, never its hash."""
    email: PortalLinkMailResource | UnsetType = UNSET
    if emailed is not None:
        email = PortalLinkMailResource(id=emailed.mail_id, recipient=emailed.recipient)
    return PortalTokenResource(
        id=token.id,
        token=secret,
        url=url,
        customer_id=token.customer_id,
        invoice_id=token.invoice_id,
        status=token.effective_status(now),
        expires_at=utc(token.expires_at),
        usage_count=token.usage_count,
        last_used_at=utc(token.last_used_at) if token.last_used_at else None,
        last_ip=token.last_ip,
        last_user_agent=token.last_user_agent,
        revoked_at=utc(token.revoked_at) if token.revoked_at else None,
        created_at=utc(token.created_at),
        email=email,
    )


def customer_list(customers: Sequence[Customer], has_more: bool, url: str) -> CustomerList:
    return CustomerList(data=[customer_resource(c) for c in customers], has_more=has_more, url=url)


def invoice_list(invoices: Sequence[Invoice], has_more: bool, url: str) -> InvoiceList:
    return InvoiceList(data=[invoice_resource(i) for i in invoices], has_more=has_more, url=url)


def portal_token_list(
    tokens: Sequence[PortalToken], now: datetime, has_more: bool, url: str
) -> PortalTokenList:
    data = [portal_token_resource(t, now) for t in tokens]
    return PortalTokenList(data=data, has_more=has_more, url=url)
