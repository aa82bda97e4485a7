"""Read-side use cases of the webhook inbox: a page of events, one event, its health."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from application.errors import NotFoundError
from application.ports.repositories import Page, PageRequest
from application.ports.system import Clock
from application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from application.ports.webhook_inbox import WebhookEventFilter
from domain.errors import DomainError
from domain.webhook_event import WebhookEvent, WebhookStatus


class AmbiguousWebhookEventError(DomainError):
    """Two gateways sent an event with this id (ids are unique per gateway only)."""

    code = "ambiguous_event"
    param = "gateway"


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

    async def execute(self, where: WebhookEventFilter, page: PageRequest) -> Page[WebhookEvent]:
        """Newest first by receipt, from every gateway or from `gateway` only. A cursor is
        an event id, so one that two gateways share needs `gateway` to say which it is."""
        async with self._uow_factory() as uow:
            cursor = page.starting_after or page.ending_before
            if cursor is not None and where.gateway is None:
                await _refuse_ambiguous(uow, cursor)
            return await uow.webhooks.list(where, page)


class GetWebhookEvent:
    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    async def execute(self, event_id: str, gateway: str | None = None) -> WebhookEvent:
        """The event with this id, from `gateway` when two gateways sent one."""
        async with self._uow_factory() as uow:
            return await resolve_event(uow, event_id, gateway)


async def resolve_event(uow: UnitOfWork, event_id: str, gateway: str | None) -> WebhookEvent:
    """The one event a person names by id (and gateway, when the id alone is ambiguous)."""
    found = [e for e in await uow.webhooks.find(event_id) if gateway in (None, e.gateway)]
    if not found:
        where = f" from {gateway}" if gateway is not None else ""
        raise NotFoundError(f"No such webhook event: {event_id}{where}.", param="id")
    if len(found) > 1:
        raise _ambiguous(event_id, found)
    return found[0]


async def _refuse_ambiguous(uow: UnitOfWork, event_id: str) -> None:
    found = await uow.webhooks.find(event_id)
    if len(found) > 1:
        raise _ambiguous(event_id, found)


def _ambiguous(event_id: str, found: Sequence[WebhookEvent]) -> DomainError:
    gateways = " and ".join(e.gateway for e in found)
    return AmbiguousWebhookEventError(
        f"{gateways} each sent an event {event_id}; name the gateway too."
    )


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
