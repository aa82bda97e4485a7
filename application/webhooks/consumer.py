"""The webhook consumer: claims due inbox events under a lease and applies each one in
the same transaction that marks it done, so its effect happens exactly once."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta

from application.errors import StaleAggregateError
from application.fees.terms import FeeTermsResolver
from application.portal.invoice_payments import record_on_invoice
from application.ports.gateway import GatewayEventFormat
from application.ports.system import Clock, IdFactory
from application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from application.retry import retry_on_conflict
from application.webhooks.effects import Effect, effect_for
from domain.errors import DomainError
from domain.payment import Payment
from domain.sync_result import SyncResult
from domain.webhook_event import WebhookEvent, WebhookStatus


class UnknownPaymentError(DomainError):
    code = "unknown_payment"


class _LeaseLostError(Exception):
    """Another consumer re-claimed the event after our lease ran out: leave it to them."""


class WebhookConsumer:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        ids: IdFactory,
        fees: FeeTermsResolver,
        events: GatewayEventFormat,
        lease: timedelta = timedelta(seconds=60),
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self._uow_factory = uow_factory
        self._events = events
        self._clock = clock
        self._ids = ids
        self._fees = fees
        self._lease = lease
        self._jitter = jitter

    async def claim(self, limit: int) -> list[WebhookEvent]:
        async with self._uow_factory() as uow:
            events = await uow.webhooks.claim_due(self._clock.now(), self._lease, limit)
            await uow.commit()
        return list(events)

    async def run_once(self, limit: int = 100) -> int:
        """Claim up to `limit` due events and apply them; the number applied or failed."""
        events = await self.claim(limit)
        for event in events:
            await self.process(event)
        return len(events)

    async def process(self, claimed: WebhookEvent) -> WebhookStatus | None:
        """Apply one claimed event; None when its lease was lost to another consumer."""
        try:
            return await retry_on_conflict(lambda: self._apply(claimed))
        except _LeaseLostError:
            return None
        except Exception as exc:  # any failure is recorded on the event and retried later
            return await self._fail(claimed, exc)

    async def _apply(self, claimed: WebhookEvent) -> WebhookStatus:
        now = self._clock.now()
        async with self._uow_factory() as uow:
            event = await uow.webhooks.get(claimed.key)
            if event is None or event.version != claimed.version:
                raise _LeaseLostError(claimed.id)
            outcome, reason = WebhookStatus.PROCESSED, None
            happened = self._events.read(event.type, event.payload)
            if happened is None:
                outcome = WebhookStatus.IGNORED
            elif (effect := effect_for(happened)) is not None:
                outcome, reason = await self._take_effect(uow, event, effect, now)
            event.finish(outcome, now, reason)
            try:
                await uow.webhooks.save(event)
            except StaleAggregateError:
                raise _LeaseLostError(claimed.id) from None
            await uow.commit()
        return outcome

    async def _take_effect(
        self, uow: UnitOfWork, event: WebhookEvent, effect: Effect, now: datetime
    ) -> tuple[WebhookStatus, str | None]:
        payment = await uow.payments.get_by_gateway_id(effect.gateway_payment_id, for_update=True)
        if payment is None:
            raise UnknownPaymentError(
                f"unknown_payment: no payment for {effect.gateway_payment_id}"
            )
        if payment.gateway != event.gateway:
            # A gateway speaks only for its own payments: anything else is forged or
            # misrouted and changes nothing. Set aside for good rather than retried as
            # unknown: intent ids are unique across gateways, so no payment of this gateway
            # can turn up under it, and no replay can ever apply it.
            return WebhookStatus.IGNORED, _mismatch(event, payment)
        fees = await self._fees.resolve(uow, payment.tenant_id, payment.currency)
        result = effect.apply(payment, fees.terms, now, self._ids)
        if result is SyncResult.APPLIED:
            await uow.payments.save(payment)
            await record_on_invoice(uow, payment)
        elif result is SyncResult.STALE:
            return WebhookStatus.STALE, None
        return WebhookStatus.PROCESSED, None

    async def _fail(self, claimed: WebhookEvent, exc: Exception) -> WebhookStatus | None:
        message = exc.message if isinstance(exc, DomainError) else f"{type(exc).__name__}: {exc}"
        async with self._uow_factory() as uow:
            event = await uow.webhooks.get(claimed.key)
            if event is None or event.version != claimed.version:
                return None
            event.fail(message, self._clock.now(), self._jitter())
            await uow.webhooks.save(event)
            await uow.commit()
        return event.status


def _mismatch(event: WebhookEvent, payment: Payment) -> str:
    return (
        f"gateway_mismatch: payment {payment.id} is a {payment.gateway} payment; "
        f"an event from {event.gateway} changes nothing"
    )
