"""Merchant event resources (SPEC §14): events as stored, endpoints, deliveries; and the
renderer that gives an event's `data.object` the API's own shape."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Literal

import msgspec
from msgspec import UNSET, Struct, UnsetType

from application.events.queries import DeliveryWithAttempts
from domain.event_delivery import DeliveryStatus
from domain.invoice import Invoice
from domain.merchant_event import MerchantEvent
from domain.payment import Payment
from domain.receipt import Receipt, ReceiptDocument
from domain.refund import Refund
from domain.webhook_endpoint import WebhookEndpoint
from entrypoints.http.customers.resources import InvoiceResource, invoice_resource
from entrypoints.http.payments.receipt_resources import ReceiptResource, receipt_resource
from entrypoints.http.payments.resources import (
    PaymentResource,
    RefundResource,
    payment_resource,
    refund_resource,
)


class ApiResourceRenderer:
    """The `ResourceRenderer` port over the HTTP API's resource functions: their structs,
    which `encode` writes as they are (no dicts made of them first)."""

    def payment(self, payment: Payment) -> PaymentResource:
        # An event is no place for the payer's secret.
        return msgspec.structs.replace(payment_resource(payment), client_secret=UNSET)

    def refund(self, payment: Payment, refund: Refund) -> RefundResource:
        return refund_resource(payment, refund)

    def dispute(self, payment: Payment) -> dict[str, Any]:
        return {
            "object": "dispute",
            "payment_id": payment.id,
            "amount": payment.dispute.amount,
            "currency": payment.currency.lower(),
            "status": payment.dispute.status.value,
            "payment": self.payment(payment),
        }

    def invoice(self, invoice: Invoice) -> InvoiceResource:
        return invoice_resource(invoice)

    def receipt(self, receipt: Receipt) -> ReceiptResource:
        return receipt_resource(ReceiptDocument(receipt))

    def encode(self, document: dict[str, Any]) -> str:
        return msgspec.json.encode(document).decode()


def event_resource(event: MerchantEvent) -> dict[str, Any]:
    decoded: dict[str, Any] = msgspec.json.decode(event.body)
    return decoded


class EventList(Struct, kw_only=True):
    object: Literal["list"] = "list"
    data: list[dict[str, Any]]
    has_more: bool
    url: str


def event_list(events: Sequence[MerchantEvent], has_more: bool, url: str) -> EventList:
    return EventList(data=[event_resource(e) for e in events], has_more=has_more, url=url)


class WebhookEndpointResource(Struct, kw_only=True):
    """`secret` appears in the answers to creation and rotation only."""

    id: str
    object: Literal["webhook_endpoint"] = "webhook_endpoint"
    url: str
    enabled_events: list[str]
    description: str | None
    disabled: bool
    disabled_reason: str | None
    failing_since: datetime | None
    secret: str | UnsetType = UNSET
    previous_secret_expires_at: datetime | None
    created_at: datetime
    updated_at: datetime


class WebhookEndpointList(Struct, kw_only=True):
    object: Literal["list"] = "list"
    data: list[WebhookEndpointResource]
    has_more: bool = False
    url: str


def _utc(moment: datetime | None) -> datetime | None:
    return moment.astimezone(UTC) if moment is not None else None


def endpoint_resource(
    endpoint: WebhookEndpoint, *, with_secret: bool = False
) -> WebhookEndpointResource:
    return WebhookEndpointResource(
        id=endpoint.id,
        url=endpoint.url,
        enabled_events=list(endpoint.enabled_events),
        description=endpoint.description,
        disabled=endpoint.disabled,
        disabled_reason=endpoint.disabled_reason,
        failing_since=_utc(endpoint.failing_since),
        secret=endpoint.secret if with_secret else UNSET,
        previous_secret_expires_at=_utc(endpoint.previous_secret_expires_at),
        created_at=endpoint.created_at.astimezone(UTC),
        updated_at=endpoint.updated_at.astimezone(UTC),
    )


class AttemptResource(Struct, kw_only=True):
    attempted_at: datetime
    status_code: int | None
    latency_ms: int
    error: str | None


class DeliveryResource(Struct, kw_only=True):
    id: str
    object: Literal["webhook_delivery"] = "webhook_delivery"
    event_id: str
    event_type: str
    endpoint_id: str
    status: DeliveryStatus
    attempts: list[AttemptResource]
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    created_at: datetime


class DeliveryList(Struct, kw_only=True):
    object: Literal["list"] = "list"
    data: list[DeliveryResource]
    has_more: bool
    url: str


def delivery_resource(found: DeliveryWithAttempts) -> DeliveryResource:
    d = found.delivery
    return DeliveryResource(
        id=d.id,
        event_id=d.event_id,
        event_type=d.event_type,
        endpoint_id=d.endpoint_id,
        status=d.status,
        attempts=[
            AttemptResource(
                attempted_at=a.attempted_at.astimezone(UTC),
                status_code=a.status_code,
                latency_ms=a.latency_ms,
                error=a.error,
            )
            for a in found.attempts
        ],
        next_attempt_at=_utc(d.next_attempt_at) if d.status is DeliveryStatus.PENDING else None,
        delivered_at=_utc(d.delivered_at),
        created_at=d.created_at.astimezone(UTC),
    )
