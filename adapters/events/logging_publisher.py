"""Publishes committed domain events as structured log lines (the audit stream's seed)."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence

from domain.events import DomainEvent

log = logging.getLogger("kassa.events")


class LoggingEventPublisher:
    async def publish(self, events: Sequence[DomainEvent]) -> None:
        for event in events:
            fields = {f.name: str(getattr(event, f.name)) for f in dataclasses.fields(event)}
            log.info("domain_event %s", type(event).__name__, extra={"event": fields})
