"""Counts every published domain event for /metrics, then hands them on."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from adapters.observability.metrics import domain_events
from application.ports.system import EventPublisher
from domain.events import DomainEvent


class CountingEventPublisher:
    def __init__(self, inner: EventPublisher) -> None:
        self._inner = inner
        # Each event type's series, found once: `labels()` takes the metric's lock and
        # builds its key every call, several times a charge.
        self._series: dict[type[DomainEvent], Any] = {}

    async def publish(self, events: Sequence[DomainEvent]) -> None:
        for event in events:
            kind = type(event)
            series = self._series.get(kind)
            if series is None:
                series = self._series[kind] = domain_events.labels(kind.__name__)
            series.inc()
        await self._inner.publish(events)
