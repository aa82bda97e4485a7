"""Merchant events (SPEC §14): what Kassa tells a platform's services happened, kept in
an outbox written with the change, and the types a webhook endpoint can subscribe to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from domain import events as ev

EVENT_RETENTION = timedelta(days=30)
ALL_EVENTS = "*"

EVENT_TYPES = (
    "payment.created",
    "payment.requires_action",
    "payment.authorized",
    "payment.succeeded",
    "payment.failed",
    "payment.canceled",
    "refund.created",
    "refund.succeeded",
    "refund.failed",
    "dispute.created",
    "dispute.closed",
    "invoice.paid",
    "receipt.issued",
)

_TYPE_OF: dict[type[ev.DomainEvent], str] = {
    ev.PaymentCreated: "payment.created",
    ev.PaymentRequiresAction: "payment.requires_action",
    ev.PaymentAuthorized: "payment.authorized",
    ev.PaymentCaptured: "payment.succeeded",
    ev.PaymentFailed: "payment.failed",
    ev.PaymentCanceled: "payment.canceled",
    ev.RefundRequested: "refund.created",
    ev.PaymentRefunded: "refund.succeeded",
    ev.RefundFailed: "refund.failed",
    ev.DisputeOpened: "dispute.created",
    ev.DisputeClosed: "dispute.closed",
    ev.InvoicePaid: "invoice.paid",
    ev.ReceiptIssued: "receipt.issued",
}


def merchant_event_type(event: ev.DomainEvent) -> str | None:
    """The merchant event a domain event becomes, or None for internal ones."""
    return _TYPE_OF.get(type(event))


@dataclass(frozen=True, slots=True)
class MerchantEvent:
    """One event as it was at the time: `body` is the JSON sent to endpoints and served
    by the API, byte for byte (`data.object` rendered when the change committed)."""

    id: str
    tenant_id: str
    type: str
    created_at: datetime
    body: str
