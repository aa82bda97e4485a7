"""A publisher that keeps what it was given, so tests can assert on published events."""

from __future__ import annotations

from collections.abc import Sequence

from domain.events import DomainEvent


class RecordingEventPublisher:
    def __init__(self) -> None:
        self.batches: list[list[DomainEvent]] = []

    async def publish(self, events: Sequence[DomainEvent]) -> None:
        self.batches.append(list(events))

    @property
    def events(self) -> list[DomainEvent]:
        return [event for batch in self.batches for event in batch]

    def types(self) -> list[str]:
        return [type(event).__name__ for event in self.events]

    def clear(self) -> None:
        self.batches.clear()
