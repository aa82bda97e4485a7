"""A tenant's webhook endpoints: registered, changed, rotated and removed by its admins."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from application.errors import NotFoundError
from application.ports.events import UrlGuard
from application.ports.system import Clock, IdFactory
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.webhook_endpoint import WebhookEndpoint, check_event_types


def new_signing_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


@dataclass(frozen=True, slots=True)
class EndpointChanges:
    url: str | None = None
    enabled_events: list[str] | None = None
    description: str | None = None
    disabled: bool | None = None


class WebhookEndpoints:
    """Create, read, change, rotate and delete; every URL passes the guard first."""

    def __init__(
        self, uow_factory: UnitOfWorkFactory, clock: Clock, ids: IdFactory, guard: UrlGuard
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._ids = ids
        self._guard = guard

    async def create(
        self,
        tenant_id: str,
        url: str,
        enabled_events: list[str],
        description: str | None = None,
    ) -> WebhookEndpoint:
        await self._guard.check(url)
        now = self._clock.now()
        endpoint = WebhookEndpoint(
            id=self._ids.new("we"),
            tenant_id=tenant_id,
            url=url,
            secret=new_signing_secret(),
            created_at=now,
            updated_at=now,
            enabled_events=check_event_types(enabled_events),
            description=description,
        )
        async with self._uow_factory() as uow:
            await uow.webhook_endpoints.add(endpoint)
            await uow.commit()
        return endpoint

    async def get(self, tenant_id: str, endpoint_id: str) -> WebhookEndpoint:
        async with self._uow_factory() as uow:
            return _found(await uow.webhook_endpoints.get(tenant_id, endpoint_id), endpoint_id)

    async def list(self, tenant_id: str | None) -> Sequence[WebhookEndpoint]:
        async with self._uow_factory() as uow:
            return await uow.webhook_endpoints.list(tenant_id)

    async def update(
        self, tenant_id: str, endpoint_id: str, changes: EndpointChanges
    ) -> WebhookEndpoint:
        if changes.url is not None:
            await self._guard.check(changes.url)
        now = self._clock.now()
        async with self._uow_factory() as uow:
            endpoint = _found(await uow.webhook_endpoints.get(tenant_id, endpoint_id), endpoint_id)
            if changes.url is not None:
                endpoint.url = changes.url
            if changes.enabled_events is not None:
                endpoint.enabled_events = check_event_types(changes.enabled_events)
            if changes.description is not None:
                endpoint.description = changes.description
            if changes.disabled is not None:
                endpoint.set_disabled(changes.disabled, now)
            endpoint.updated_at = now
            await uow.webhook_endpoints.save(endpoint)
            await uow.commit()
        return endpoint

    async def rotate_secret(
        self, tenant_id: str, endpoint_id: str, overlap: timedelta
    ) -> WebhookEndpoint:
        """A new secret; the old one keeps signing (a second `v1`) for `overlap`."""
        async with self._uow_factory() as uow:
            endpoint = _found(await uow.webhook_endpoints.get(tenant_id, endpoint_id), endpoint_id)
            endpoint.rotate(new_signing_secret(), overlap, self._clock.now())
            await uow.webhook_endpoints.save(endpoint)
            await uow.commit()
        return endpoint

    async def delete(self, tenant_id: str, endpoint_id: str) -> None:
        async with self._uow_factory() as uow:
            if not await uow.webhook_endpoints.delete(tenant_id, endpoint_id):
                raise NotFoundError(f"No webhook endpoint {endpoint_id}.")
            await uow.commit()


def _found(endpoint: WebhookEndpoint | None, endpoint_id: str) -> WebhookEndpoint:
    if endpoint is None:
        raise NotFoundError(f"No webhook endpoint {endpoint_id}.")
    return endpoint
