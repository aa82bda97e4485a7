"""Deliver merchant events: fan each new event out to its tenant's subscribed endpoints,
then POST each delivery, signed as Stripe signs, until a 2xx or three days have passed.
At least once: a worker that dies leaves its leased deliveries due again."""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from application.errors import StaleAggregateError
from application.ports.events import SendResult, UnsafeUrlError, UrlGuard, WebhookSender
from application.ports.gateway import PayloadSigner
from application.ports.system import Clock, IdFactory
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.event_delivery import (
    DEFAULT_RETRIES,
    DeliveryAttempt,
    DeliveryStatus,
    EventDelivery,
    RetrySchedule,
)
from domain.merchant_event import EVENT_RETENTION, MerchantEvent
from domain.webhook_endpoint import WebhookEndpoint

log = logging.getLogger("kassa.events")

SIGNATURE_HEADER = "Kassa-Signature"


def signature_header(
    signer: PayloadSigner, body: bytes, secrets: Sequence[str], timestamp: int
) -> str:
    """`t=…,v1=…[,v1=…]`: one `v1` per secret that signs (two during a rotation)."""
    parts = [signer.sign(body, secret, timestamp) for secret in secrets]
    return ",".join([parts[0], *(p.split(",", 1)[1] for p in parts[1:])])


class DeliverEvents:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        ids: IdFactory,
        sender: WebhookSender,
        signer: PayloadSigner,
        guard: UrlGuard,
        lease: timedelta,
        jitter: Callable[[], float] = random.random,
        retries: RetrySchedule = DEFAULT_RETRIES,
    ) -> None:
        self._signer = signer
        self._uow_factory = uow_factory
        self._clock = clock
        self._ids = ids
        self._sender = sender
        self._guard = guard
        self._lease = lease
        self._jitter = jitter
        self._retries = retries

    async def dispatch(self, limit: int) -> int:
        """Fan up to `limit` new events out: one delivery per enabled endpoint of the
        event's tenant that subscribes to its type, in the transaction that marks the
        events dispatched. Returns how many events were taken."""
        now = self._clock.now()
        async with self._uow_factory() as uow:
            events = await uow.merchant_events.claim_undispatched(now, limit)
            if not events:
                return 0
            endpoints = await uow.webhook_endpoints.enabled_for([e.tenant_id for e in events])
            deliveries = [
                self._delivery(event, endpoint, now)
                for event in events
                for endpoint in endpoints
                if endpoint.tenant_id == event.tenant_id and endpoint.subscribes(event.type)
            ]
            await uow.event_deliveries.add_many(deliveries)
            await uow.commit()
        return len(events)

    def _delivery(
        self, event: MerchantEvent, endpoint: WebhookEndpoint, now: datetime
    ) -> EventDelivery:
        return EventDelivery(
            id=self._ids.new("whdl"),
            tenant_id=event.tenant_id,
            event_id=event.id,
            endpoint_id=endpoint.id,
            event_type=event.type,
            created_at=now,
            next_attempt_at=now,
        )

    async def claim(self, limit: int) -> Sequence[EventDelivery]:
        async with self._uow_factory() as uow:
            claimed = await uow.event_deliveries.claim_due(self._clock.now(), self._lease, limit)
            await uow.commit()
        return claimed

    async def deliver(self, delivery: EventDelivery) -> DeliveryStatus | None:
        """One attempt; the delivery's new status, or None when its lease was lost."""
        async with self._uow_factory() as uow:
            event = await uow.merchant_events.get(delivery.tenant_id, delivery.event_id)
            endpoint = await uow.webhook_endpoints.get(delivery.tenant_id, delivery.endpoint_id)
        if event is None or endpoint is None or endpoint.disabled:
            why = "endpoint disabled" if endpoint is not None else "endpoint or event deleted"
            delivery.abandon(why)
            return await self._save(delivery, None, None)
        result = await self._send(event, endpoint)
        attempt = DeliveryAttempt(
            id=self._ids.new("what"),
            delivery_id=delivery.id,
            tenant_id=delivery.tenant_id,
            endpoint_id=endpoint.id,
            event_id=event.id,
            attempted_at=self._clock.now(),
            status_code=result.status_code,
            latency_ms=result.latency_ms,
            error=result.error,
        )
        delivery.record(attempt, self._jitter(), self._retries)
        healthy = attempt.succeeded and endpoint.failing_since is None
        return await self._save(delivery, attempt, None if healthy else endpoint.id)

    async def _send(self, event: MerchantEvent, endpoint: WebhookEndpoint) -> SendResult:
        try:
            # Its form again (settings change); where the name resolves now is checked by
            # the sender as it connects, to the very address it connects to (rebinding).
            await self._guard.check(endpoint.url, resolve=False)
        except UnsafeUrlError as refused:
            return SendResult(None, 0, f"refused: {refused.message}")
        body = event.body.encode()
        now = self._clock.now()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Kassa-Webhooks/1",
            SIGNATURE_HEADER: signature_header(
                self._signer, body, endpoint.signing_secrets(now), int(now.timestamp())
            ),
            "Kassa-Event-Id": event.id,
        }
        return await self._sender.post(endpoint.url, body, headers)

    async def _save(
        self, delivery: EventDelivery, attempt: DeliveryAttempt | None, endpoint_id: str | None
    ) -> DeliveryStatus | None:
        try:
            async with self._uow_factory() as uow:
                await uow.event_deliveries.save(delivery)
                if attempt is not None:
                    await uow.event_deliveries.add_attempt(attempt)
                await uow.commit()
        except StaleAggregateError:  # the lease ran out and another worker took it over
            return None
        if attempt is not None and endpoint_id is not None:
            try:
                await self._endpoint_health(delivery.tenant_id, endpoint_id, attempt)
            except StaleAggregateError:  # another worker recorded it at the same moment
                log.debug("Endpoint %s health recorded concurrently", endpoint_id)
        return delivery.status

    async def _endpoint_health(
        self, tenant_id: str, endpoint_id: str, attempt: DeliveryAttempt
    ) -> None:
        """Written only when it changes: the first failure, the first success after
        failures, and the failure that disables the endpoint after days of them."""
        async with self._uow_factory() as uow:
            endpoint = await uow.webhook_endpoints.get(tenant_id, endpoint_id)
            if endpoint is None:
                return
            if attempt.succeeded:
                if endpoint.failing_since is None:
                    return
                endpoint.delivered()
            elif endpoint.failed(attempt.attempted_at):
                log.warning(
                    "Webhook endpoint %s disabled: %s",
                    endpoint.id,
                    endpoint.disabled_reason,
                    extra={"endpoint_id": endpoint.id, "tenant_id": tenant_id},
                )
            elif endpoint.failing_since != attempt.attempted_at:
                return
            await uow.webhook_endpoints.save(endpoint)
            await uow.commit()

    async def purge(self) -> int:
        """Forget events older than 30 days, with their deliveries and attempts."""
        async with self._uow_factory() as uow:
            purged = await uow.merchant_events.purge(self._clock.now() - EVENT_RETENTION)
            await uow.commit()
        return purged
