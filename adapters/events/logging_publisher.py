"""Publishes committed domain events as structured log lines (the audit stream's seed)."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence

from domain.events import DomainEvent

log = logging.getLogger("kassa.events")
# The ids a line names at its top level, so a search by payment finds its events.
_IDS = ("tenant_id", "payment_id", "refund_id", "order_id", "customer_id", "invoice_id")


class LoggingEventPublisher:
    async def publish(self, events: Sequence[DomainEvent]) -> None:
        if not log.isEnabledFor(logging.INFO):  # no line to write: nothing to build
            return
        for event in events:
            fields = {f.name: str(getattr(event, f.name)) for f in dataclasses.fields(event)}
            ids = {name: value for name, value in fields.items() if name in _IDS}
            log.info("domain_event %s", type(event).__name__, extra={"domain_event": fields, **ids})
