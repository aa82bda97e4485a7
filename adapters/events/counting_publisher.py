"""Counts every published domain event for /metrics, then hands them on."""

from __future__ import annotations

from collections.abc import Sequence

from adapters.observability.metrics import domain_events
from application.ports.system import EventPublisher
from domain.events import DomainEvent


class CountingEventPublisher:
    def __init__(self, inner: EventPublisher) -> None:
        self._inner = inner

    async def publish(self, events: Sequence[DomainEvent]) -> None:
        for event in events:
            domain_events.labels(type(event).__name__).inc()
        await self._inner.publish(events)
