"""Write merchant events in the transaction that records the change (a transactional
outbox), so none is lost when a process dies after commit and none invented before it."""

from __future__ import annotations

from collections.abc import Sequence

from application.ports.events import ResourceRenderer
from application.ports.system import IdFactory
from application.ports.unit_of_work import UnitOfWork
from domain import events as ev
from domain.invoice import Invoice
from domain.merchant_event import MerchantEvent, merchant_event_type
from domain.payment import Payment
from domain.receipt import Receipt


class RecordMerchantEvents:
    """A transactional handler: each domain event of interest that an aggregate saved in
    this unit of work recorded (a payment's, an invoice's, a receipt's) becomes a merchant
    event, its `data.object` rendered as the API renders the resource at commit. All of
    them go in one INSERT. It runs after the handlers that add aggregates (receipts)."""

    def __init__(self, renderer: ResourceRenderer, ids: IdFactory) -> None:
        self._renderer = renderer
        self._ids = ids

    async def handle(self, uow: UnitOfWork, aggregates: Sequence[object]) -> None:
        found: list[MerchantEvent] = []
        seen: set[int] = set()  # a payment added then saved is listed twice
        for aggregate in aggregates:
            if isinstance(aggregate, Payment | Invoice | Receipt) and id(aggregate) not in seen:
                seen.add(id(aggregate))
                found.extend(self._events(aggregate))
        if found:
            await uow.merchant_events.add_many(found)

    def _events(self, aggregate: Payment | Invoice | Receipt) -> list[MerchantEvent]:
        made = []
        # The aggregate as it stands at commit: rendered once for all the events that
        # carry it whole (a charge's `payment.authorized` and `payment.succeeded`).
        whole: object = None
        for event in aggregate.events:
            event_type = merchant_event_type(event)
            if event_type is None:
                continue
            data = self._part(aggregate, event)
            if data is None:
                if whole is None:
                    whole = self._whole(aggregate)
                data = whole
            event_id = self._ids.new("evt")
            body = {
                "id": event_id,
                "object": "event",
                "type": event_type,
                "created": int(event.occurred_at.timestamp()),
                "tenant_id": event.tenant_id,
                "data": {"object": data},
            }
            made.append(
                MerchantEvent(
                    id=event_id,
                    tenant_id=event.tenant_id,
                    type=event_type,
                    created_at=event.occurred_at,
                    body=self._renderer.encode(body),
                )
            )
        return made

    def _part(self, aggregate: Payment | Invoice | Receipt, event: ev.DomainEvent) -> object:
        """The object of an event about part of a payment (a refund, a dispute); None
        for an event that carries its aggregate whole."""
        if isinstance(aggregate, Payment):
            if isinstance(event, ev.RefundRequested | ev.PaymentRefunded | ev.RefundFailed):
                for refund in aggregate.refunds:
                    if refund.id == event.refund_id:
                        return self._renderer.refund(aggregate, refund)
            if isinstance(event, ev.DisputeOpened | ev.DisputeClosed):
                return self._renderer.dispute(aggregate)
        return None

    def _whole(self, aggregate: Payment | Invoice | Receipt) -> object:
        if isinstance(aggregate, Invoice):
            return self._renderer.invoice(aggregate)
        if isinstance(aggregate, Receipt):
            return self._renderer.receipt(aggregate)
        return self._renderer.payment(aggregate)
