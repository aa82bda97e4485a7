"""Write merchant events in the transaction that records the change (a transactional
outbox), so none is lost when a process dies after commit and none invented before it."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from application.ports.events import ResourceRenderer
from application.ports.system import IdFactory
from application.ports.unit_of_work import UnitOfWork
from domain import events as ev
from domain.merchant_event import MerchantEvent, merchant_event_type
from domain.payment import Payment


class RecordMerchantEvents:
    """A transactional handler: each domain event of interest that a payment saved in
    this unit of work recorded becomes a merchant event, its `data.object` rendered as
    the API renders the resource at commit. All of them go in one INSERT."""

    def __init__(self, renderer: ResourceRenderer, ids: IdFactory) -> None:
        self._renderer = renderer
        self._ids = ids

    async def handle(self, uow: UnitOfWork, aggregates: Sequence[object]) -> None:
        found: list[MerchantEvent] = []
        seen: set[int] = set()  # a payment added then saved is listed twice
        for aggregate in aggregates:
            if isinstance(aggregate, Payment) and id(aggregate) not in seen:
                seen.add(id(aggregate))
                found.extend(self._events(aggregate))
        if found:
            await uow.merchant_events.add_many(found)

    def _events(self, payment: Payment) -> list[MerchantEvent]:
        made = []
        for event in payment.events:
            event_type = merchant_event_type(event)
            if event_type is None:
                continue
            event_id = self._ids.new("evt")
            body = {
                "id": event_id,
                "object": "event",
                "type": event_type,
                "created": int(event.occurred_at.timestamp()),
                "tenant_id": payment.tenant_id,
                "data": {"object": self._object(payment, event)},
            }
            made.append(
                MerchantEvent(
                    id=event_id,
                    tenant_id=payment.tenant_id,
                    type=event_type,
                    created_at=event.occurred_at,
                    body=json.dumps(body, separators=(",", ":")),
                )
            )
        return made

    def _object(self, payment: Payment, event: ev.DomainEvent) -> dict[str, Any]:
        if isinstance(event, ev.RefundRequested | ev.PaymentRefunded | ev.RefundFailed):
            for refund in payment.refunds:
                if refund.id == event.refund_id:
                    return self._renderer.refund(payment, refund)
        if isinstance(event, ev.DisputeOpened | ev.DisputeClosed):
            return self._renderer.dispute(payment)
        return self._renderer.payment(payment)
