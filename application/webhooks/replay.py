"""Sending events back to `pending`: chosen ones, or every dead one."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

from application.errors import NotFoundError
from application.ports.system import Clock
from application.ports.unit_of_work import UnitOfWorkFactory
from application.retry import retry_on_conflict
from application.webhooks.queries import resolve_event
from domain.webhook_event import WebhookEvent, WebhookEventKey, WebhookStatus


class ReplayWebhookEvents:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow_factory = uow_factory
        self._clock = clock

    async def dead_keys(self) -> Sequence[WebhookEventKey]:
        async with self._uow_factory() as uow:
            return await uow.webhooks.keys_with_status(WebhookStatus.DEAD)

    async def resolve(
        self, event_ids: Sequence[str], gateway: str | None = None
    ) -> list[WebhookEventKey]:
        """The events people name by id: NotFoundError for an unknown one, and
        AmbiguousWebhookEventError for an id two gateways sent, unless `gateway` says."""
        async with self._uow_factory() as uow:
            return [(await resolve_event(uow, event_id, gateway)).key for event_id in event_ids]

    async def execute(
        self,
        keys: Sequence[WebhookEventKey],
        progress: Callable[[WebhookEventKey], None] | None = None,
    ) -> list[WebhookEvent]:
        """Replay each event in its own transaction, so one bad key does not undo the rest;
        an unknown key raises NotFoundError before anything is replayed."""
        async with self._uow_factory() as uow:
            for key in keys:
                if await uow.webhooks.get(key) is None:
                    raise _not_found(key)
        replayed = []
        for key in keys:
            replayed.append(await retry_on_conflict(partial(self._one, key)))
            if progress:
                progress(key)
        return replayed

    async def _one(self, key: WebhookEventKey) -> WebhookEvent:
        async with self._uow_factory() as uow:
            event = await uow.webhooks.get(key)
            if event is None:
                raise _not_found(key)
            event.replay(self._clock.now())
            await uow.webhooks.save(event)
            await uow.commit()
        return event


def _not_found(key: WebhookEventKey) -> NotFoundError:
    return NotFoundError(f"No such webhook event: {key.id} from {key.gateway}.", param="id")
