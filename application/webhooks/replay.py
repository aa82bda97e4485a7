"""Sending events back to `pending`: chosen ones, or every dead one."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

from application.errors import NotFoundError
from application.ports import Clock, UnitOfWorkFactory
from application.retry import retry_on_conflict
from domain.webhook_event import WebhookEvent, WebhookStatus


class ReplayWebhookEvents:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow_factory = uow_factory
        self._clock = clock

    async def dead_ids(self) -> Sequence[str]:
        async with self._uow_factory() as uow:
            return await uow.webhooks.ids_with_status(WebhookStatus.DEAD)

    async def execute(
        self, event_ids: Sequence[str], progress: Callable[[str], None] | None = None
    ) -> list[WebhookEvent]:
        """Replay each event in its own transaction, so one bad id does not undo the rest;
        an unknown id raises NotFoundError before anything is replayed."""
        async with self._uow_factory() as uow:
            for event_id in event_ids:
                if await uow.webhooks.get(event_id) is None:
                    raise NotFoundError(f"No such webhook event: {event_id}.", param="id")
        replayed = []
        for event_id in event_ids:
            replayed.append(await retry_on_conflict(partial(self._one, event_id)))
            if progress:
                progress(event_id)
        return replayed

    async def _one(self, event_id: str) -> WebhookEvent:
        async with self._uow_factory() as uow:
            event = await uow.webhooks.get(event_id)
            if event is None:
                raise NotFoundError(f"No such webhook event: {event_id}.", param="id")
            event.replay(self._clock.now())
            await uow.webhooks.save(event)
            await uow.commit()
        return event
