"""The webhook queue over any unit of work: each call is one unit of work of its own."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from application.ports.unit_of_work import UnitOfWorkFactory
from domain.webhook_event import WebhookEvent


class UnitOfWorkWebhookQueue:
    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    async def receive(self, event: WebhookEvent) -> bool:
        async with self._uow_factory() as uow:
            stored = await uow.webhooks.add(event)
            await uow.commit()
        return stored

    async def claim_due(
        self, now: datetime, lease: timedelta, limit: int
    ) -> Sequence[WebhookEvent]:
        async with self._uow_factory() as uow:
            claimed = await uow.webhooks.claim_due(now, lease, limit)
            await uow.commit()
        return claimed
