"""Merchant event ports: the outbox, the endpoints and their deliveries (stores), the
renderer of API resources, the HTTP sender and the guard on where it may send."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from application.ports.repositories import Page, PageRequest
from domain.errors import DomainError
from domain.event_delivery import DeliveryAttempt, EventDelivery
from domain.invoice import Invoice
from domain.merchant_event import MerchantEvent
from domain.payment import Payment
from domain.receipt import Receipt
from domain.refund import Refund
from domain.webhook_endpoint import WebhookEndpoint


class MerchantEventOutbox(Protocol):
    async def add_many(self, events: Sequence[MerchantEvent]) -> None:
        """One statement, in the caller's transaction, whatever the number of events."""
        ...

    async def get(self, tenant_id: str | None, event_id: str) -> MerchantEvent | None:
        """None: whatever the tenant (an operator's view)."""
        ...

    async def list(
        self, tenant_id: str | None, event_type: str | None, since: datetime, page: PageRequest
    ) -> Page[MerchantEvent]:
        """The tenant's (None: every tenant's) events created at or after `since`, newest first."""
        ...

    async def claim_undispatched(self, now: datetime, limit: int) -> Sequence[MerchantEvent]:
        """Oldest first, events not yet fanned out to endpoints, held (FOR UPDATE SKIP
        LOCKED) until the caller's transaction ends, and marked dispatched in it."""
        ...

    async def purge(self, before: datetime) -> int:
        """Delete events (and their deliveries and attempts) created before `before`."""
        ...


class WebhookEndpointRepository(Protocol):
    async def add(self, endpoint: WebhookEndpoint) -> None: ...

    async def get(self, tenant_id: str, endpoint_id: str) -> WebhookEndpoint | None: ...

    async def list(self, tenant_id: str | None) -> Sequence[WebhookEndpoint]:
        """Oldest first; None: every tenant's (an operator's view)."""
        ...

    async def enabled_for(self, tenant_ids: Sequence[str]) -> Sequence[WebhookEndpoint]: ...

    async def save(self, endpoint: WebhookEndpoint) -> None:
        """StaleAggregateError if it changed meanwhile."""
        ...

    async def delete(self, tenant_id: str, endpoint_id: str) -> bool: ...


class EventDeliveryRepository(Protocol):
    async def add_many(self, deliveries: Sequence[EventDelivery]) -> None: ...

    async def get(self, tenant_id: str | None, delivery_id: str) -> EventDelivery | None: ...

    async def save(self, delivery: EventDelivery) -> None:
        """StaleAggregateError if another worker moved it meanwhile (its lease ended)."""
        ...

    async def claim_due(
        self, now: datetime, lease: timedelta, limit: int
    ) -> Sequence[EventDelivery]:
        """Lease up to `limit` due deliveries, oldest due first, skipping held ones."""
        ...

    async def for_endpoint(
        self, tenant_id: str, endpoint_id: str, page: PageRequest
    ) -> Page[EventDelivery]:
        """Newest first."""
        ...

    async def for_event(self, tenant_id: str | None, event_id: str) -> Sequence[EventDelivery]: ...

    async def add_attempt(self, attempt: DeliveryAttempt) -> None: ...

    async def attempts(self, delivery_id: str) -> Sequence[DeliveryAttempt]:
        """Oldest first."""
        ...


class ResourceRenderer(Protocol):
    """The objects as the HTTP API renders them, as documents `encode` takes (builtins,
    or the API's own resource structs, encoded as they are): an event's `data.object` is
    exactly what `GET` would have answered then."""

    def payment(self, payment: Payment) -> object: ...

    def refund(self, payment: Payment, refund: Refund) -> object: ...

    def dispute(self, payment: Payment) -> object: ...

    def invoice(self, invoice: Invoice) -> object: ...

    def receipt(self, receipt: Receipt) -> object:
        """As issued: no refunds against it yet."""
        ...

    def encode(self, document: dict[str, Any]) -> str:
        """A document of these as compact JSON text: an event's body as it is stored."""
        ...


class UnsafeUrlError(DomainError):
    """The URL may not be delivered to (its scheme, or where its host resolves)."""

    code = "url_not_allowed"

    def __init__(self, message: str) -> None:
        super().__init__(message, param="url")


class UrlGuard(Protocol):
    async def check(self, url: str, *, resolve: bool = True) -> None:
        """Raise UnsafeUrlError unless `url` may receive deliveries. `resolve=False`: its
        form only (scheme, credentials, length), for a delivery, whose sender resolves
        the host, checks every address and connects to one of them in one step."""
        ...


@dataclass(frozen=True, slots=True)
class SendResult:
    status_code: int | None
    latency_ms: int
    error: str | None


class WebhookSender(Protocol):
    async def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> SendResult:
        """POST once, never following redirects; errors become a result, never raised."""
        ...
