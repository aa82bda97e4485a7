"""What the customer portal answers (SPEC §7): only what the customer may see — no fees,
no merchant metadata, never the link itself."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, Literal

from msgspec import UNSET, Struct, UnsetType

from application.portal.view import PortalInvoiceView
from domain.customer import SavedPaymentMethod
from domain.invoice import InvoiceStatus
from domain.payment import Payment
from domain.statuses import PaymentStatus, RefundStatus
from entrypoints.http.customers.resources import InvoiceLineResource, invoice_lines, utc


class PortalInvoice(Struct, kw_only=True):
    number: str
    lines: list[InvoiceLineResource]
    currency: str
    total: int
    amount_paid: int
    amount_due: int
    status: InvoiceStatus
    due_date: date | None


class Balance(Struct, kw_only=True):
    total_outstanding: dict[str, int]  # lower-case currency → minor units due


class PortalInvoiceResource(Struct, kw_only=True):
    invoice: PortalInvoice
    balance: Balance


class PortalIntentResource(Struct, kw_only=True):
    """For Stripe.js: `client_secret` confirms the card; `payment_intent_id` is what
    Stripe.js reports back, and what `confirm` takes."""

    payment_id: str
    payment_intent_id: str | None
    client_secret: str | None
    amount: int
    currency: str


class PortalPaymentResource(Struct, kw_only=True):
    """A confirmation's outcome, as the gateway reported it."""

    payment_id: str
    payment_intent_id: str | None
    status: PaymentStatus
    amount: int
    currency: str
    amount_received: int
    client_secret: str | UnsetType = UNSET  # only while 3-D Secure waits
    next_action: dict[str, Any] | UnsetType = UNSET


class HistoryEntry(Struct, kw_only=True):
    id: str
    object: Literal["payment"] = "payment"
    amount: int
    currency: str
    status: PaymentStatus
    amount_received: int
    amount_refunded: int
    refund_status: RefundStatus
    description: str | None
    created_at: datetime


class PortalHistory(Struct, kw_only=True):
    object: Literal["list"] = "list"
    data: list[HistoryEntry]
    has_more: bool


class SavedMethodResource(Struct, kw_only=True):
    id: str
    object: Literal["payment_method"] = "payment_method"
    brand: str
    last4: str
    exp_month: int
    exp_year: int
    is_default: bool


class SavedMethodList(Struct, kw_only=True):
    object: Literal["list"] = "list"
    data: list[SavedMethodResource]
    has_more: bool = False


class RemovedMethodResource(Struct, kw_only=True):
    id: str
    object: Literal["payment_method"] = "payment_method"
    deleted: bool = True


class BillingPortalResource(Struct, kw_only=True):
    url: str


def portal_invoice_resource(view: PortalInvoiceView) -> PortalInvoiceResource:
    invoice = view.invoice
    return PortalInvoiceResource(
        invoice=PortalInvoice(
            number=invoice.number,
            lines=invoice_lines(invoice),
            currency=invoice.currency.lower(),
            total=invoice.total,
            amount_paid=invoice.amount_paid,
            amount_due=invoice.amount_due,
            status=invoice.status,
            due_date=invoice.due_date,
        ),
        balance=Balance(
            total_outstanding={c.lower(): amount for c, amount in sorted(view.outstanding.items())}
        ),
    )


def portal_intent_resource(payment: Payment) -> PortalIntentResource:
    return PortalIntentResource(
        payment_id=payment.id,
        payment_intent_id=payment.gateway_payment_id,
        client_secret=payment.client_secret,
        amount=payment.amount.amount,
        currency=payment.currency.lower(),
    )


def portal_payment_resource(payment: Payment) -> PortalPaymentResource:
    waiting = payment.status is PaymentStatus.REQUIRES_ACTION
    return PortalPaymentResource(
        payment_id=payment.id,
        payment_intent_id=payment.gateway_payment_id,
        status=payment.status,
        amount=payment.amount.amount,
        currency=payment.currency.lower(),
        amount_received=payment.amount_captured,
        client_secret=payment.client_secret if waiting and payment.client_secret else UNSET,
        next_action=(payment.next_action or {}) if waiting else UNSET,
    )


def portal_history(payments: Sequence[Payment], has_more: bool) -> PortalHistory:
    entries = [
        HistoryEntry(
            id=p.id,
            amount=p.amount.amount,
            currency=p.currency.lower(),
            status=p.status,
            amount_received=p.amount_captured,
            amount_refunded=p.amount_refunded,
            refund_status=p.refund_status,
            description=p.description,
            created_at=utc(p.created_at),
        )
        for p in payments
    ]
    return PortalHistory(data=entries, has_more=has_more)


def saved_method_resource(method: SavedPaymentMethod) -> SavedMethodResource:
    return SavedMethodResource(
        id=method.id,
        brand=method.brand,
        last4=method.last4,
        exp_month=method.exp_month,
        exp_year=method.exp_year,
        is_default=method.is_default,
    )


def saved_method_list(methods: Sequence[SavedPaymentMethod]) -> SavedMethodList:
    return SavedMethodList(data=[saved_method_resource(m) for m in methods])
