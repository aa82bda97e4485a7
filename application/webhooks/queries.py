"""Read-side use cases of the webhook inbox: a page of events, one event, its health."""

from __future__ import annotations

from dataclasses import dataclass

from application.errors import NotFoundError
from application.ports import Clock, Page, PageRequest, UnitOfWorkFactory
from domain.webhook_event import WebhookEvent, WebhookStatus


@dataclass(frozen=True, slots=True)
class InboxHealth:
    counts: dict[str, int]  # every status, those with no event at zero
    lag_seconds: float | None  # age of the oldest event not yet done; None when none waits

    @property
    def dead(self) -> int:
        return self.counts[WebhookStatus.DEAD.value]


class ListWebhookEvents:
    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    async def execute(
        self, status: WebhookStatus | None, event_type: str | None, page: PageRequest
    ) -> Page[WebhookEvent]:
        """Newest first by receipt."""
        async with self._uow_factory() as uow:
            return await uow.webhooks.list(status, event_type, page)


class GetWebhookEvent:
    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    async def execute(self, event_id: str) -> WebhookEvent:
        async with self._uow_factory() as uow:
            event = await uow.webhooks.get(event_id)
        if event is None:
            raise NotFoundError(f"No such webhook event: {event_id}.", param="id")
        return event


class GetInboxHealth:
    """How far behind the consumers are: events per status, the oldest one waiting."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow_factory = uow_factory
        self._clock = clock

    async def execute(self) -> InboxHealth:
        async with self._uow_factory() as uow:
            stats = await uow.webhooks.stats()
        counts = {status.value: stats.counts.get(status.value, 0) for status in WebhookStatus}
        oldest = stats.oldest_pending_received_at
        lag = None
        if oldest is not None:
            lag = max((self._clock.now() - oldest).total_seconds(), 0.0)
        return InboxHealth(counts, lag)
