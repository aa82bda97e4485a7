"""Reading merchant events and their deliveries: a tenant's own, 30 days back."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from application.errors import NotFoundError
from application.ports.repositories import Page, PageRequest
from application.ports.system import Clock
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.event_delivery import DeliveryAttempt, EventDelivery
from domain.merchant_event import EVENT_RETENTION, MerchantEvent


@dataclass(frozen=True, slots=True)
class DeliveryWithAttempts:
    delivery: EventDelivery
    attempts: Sequence[DeliveryAttempt]


class MerchantEventQueries:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow_factory = uow_factory
        self._clock = clock

    async def list(
        self, tenant_id: str | None, event_type: str | None, page: PageRequest
    ) -> Page[MerchantEvent]:
        since = self._clock.now() - EVENT_RETENTION
        async with self._uow_factory() as uow:
            return await uow.merchant_events.list(tenant_id, event_type, since, page)

    async def get(self, tenant_id: str | None, event_id: str) -> MerchantEvent:
        async with self._uow_factory() as uow:
            event = await uow.merchant_events.get(tenant_id, event_id)
        if event is None or event.created_at < self._clock.now() - EVENT_RETENTION:
            raise NotFoundError(f"No event {event_id}.")
        return event

    async def deliveries_of_event(
        self, tenant_id: str | None, event_id: str
    ) -> Sequence[DeliveryWithAttempts]:
        async with self._uow_factory() as uow:
            found = await uow.event_deliveries.for_event(tenant_id, event_id)
            return [
                DeliveryWithAttempts(d, await uow.event_deliveries.attempts(d.id)) for d in found
            ]

    async def deliveries_of_endpoint(
        self, tenant_id: str, endpoint_id: str, page: PageRequest
    ) -> Page[DeliveryWithAttempts]:
        async with self._uow_factory() as uow:
            if await uow.webhook_endpoints.get(tenant_id, endpoint_id) is None:
                raise NotFoundError(f"No webhook endpoint {endpoint_id}.")
            found = await uow.event_deliveries.for_endpoint(tenant_id, endpoint_id, page)
            data = [
                DeliveryWithAttempts(d, await uow.event_deliveries.attempts(d.id))
                for d in found.data
            ]
            return Page(data, found.has_more)


class RedeliverEvent:
    """An operator's or merchant's `redeliver`: every delivery of the event due now."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow_factory = uow_factory
        self._clock = clock

    async def execute(self, tenant_id: str | None, event_id: str) -> int:
        now = self._clock.now()
        async with self._uow_factory() as uow:
            if await uow.merchant_events.get(tenant_id, event_id) is None:
                raise NotFoundError(f"No event {event_id}.")
            deliveries = await uow.event_deliveries.for_event(tenant_id, event_id)
            for delivery in deliveries:
                delivery.redeliver(now)
                await uow.event_deliveries.save(delivery)
            await uow.commit()
        return len(deliveries)
