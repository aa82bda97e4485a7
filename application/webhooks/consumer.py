"""The webhook consumer: claims due inbox events under a lease and applies them in the
same transaction that marks them done, so each effect happens exactly once.

A claimed batch is applied in one transaction: its payments locked in one read (in one
order, so two consumers never deadlock), each changed payment saved once, every event
marked done in one statement that checks each one's lease (version). Should any event
not fit (its payment unknown, its effect failing, a lease lost), the batch's work is
rolled back or left out and those events are applied one by one, as before batching."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from application.errors import StaleAggregateError
from application.fees.terms import FeeTermsResolver
from application.portal.invoice_payments import record_on_invoice
from application.ports.gateway import GatewayEventFormat
from application.ports.system import Clock, IdFactory
from application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from application.ports.webhook_inbox import WebhookQueue
from application.retry import retry_on_conflict
from application.webhooks.effects import Effect, effect_for
from domain.errors import DomainError
from domain.fees import FeeTerms
from domain.payment import Payment
from domain.sync_result import SyncResult
from domain.webhook_event import WebhookEvent, WebhookEventKey, WebhookStatus


class UnknownPaymentError(DomainError):
    code = "unknown_payment"


class _LeaseLostError(Exception):
    """Another consumer re-claimed the event after our lease ran out: leave it to them."""


Outcome = tuple[WebhookStatus, str | None]  # and why, when set aside without effect


class WebhookConsumer:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        queue: WebhookQueue,
        clock: Clock,
        ids: IdFactory,
        fees: FeeTermsResolver,
        events: GatewayEventFormat,
        lease: timedelta = timedelta(seconds=60),
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self._uow_factory = uow_factory
        self._queue = queue
        self._events = events
        self._clock = clock
        self._ids = ids
        self._fees = fees
        self._lease = lease
        self._jitter = jitter

    async def claim(self, limit: int) -> list[WebhookEvent]:
        return list(await self._queue.claim_due(self._clock.now(), self._lease, limit))

    async def run_once(self, limit: int = 100) -> int:
        """Claim up to `limit` due events and apply them; the number applied or failed."""
        events = await self.claim(limit)
        await self.process_all(events)
        return len(events)

    async def process_all(self, claimed: Sequence[WebhookEvent]) -> list[WebhookStatus | None]:
        """Apply a claimed batch (see the module's doc); each event's outcome, in order."""
        try:
            done = await self._apply_batch(claimed)
        except Exception:  # all rolled back: each event alone records its own failure
            done = {}
        return [
            done[event.key] if event.key in done else await self.process(event) for event in claimed
        ]

    async def process(self, claimed: WebhookEvent) -> WebhookStatus | None:
        """Apply one claimed event; None when its lease was lost to another consumer."""
        try:
            return await retry_on_conflict(lambda: self._apply(claimed))
        except _LeaseLostError:
            return None
        except Exception as exc:  # any failure is recorded on the event and retried later
            return await self._fail(claimed, exc)

    async def _apply_batch(
        self, claimed: Sequence[WebhookEvent]
    ) -> dict[WebhookEventKey, WebhookStatus]:
        """The batch in one transaction, but for events whose payment is unknown (or that
        cannot be read): those are left out, to be applied and failed alone."""
        now = self._clock.now()
        wanted: list[tuple[WebhookEvent, Effect | None, WebhookStatus]] = []
        for event in claimed:
            try:
                happened = self._events.read(event.type, event.payload)
            except Exception:  # malformed: recorded when applied alone
                continue
            effect = effect_for(happened) if happened is not None else None
            plain = WebhookStatus.IGNORED if happened is None else WebhookStatus.PROCESSED
            wanted.append((replace(event), effect, plain))
        if not wanted:
            return {}
        async with self._uow_factory() as uow:
            locked = await uow.payments.lock_by_gateway_ids(
                [effect.gateway_payment_id for _, effect, _ in wanted if effect is not None]
            )
            payments = {p.gateway_payment_id: p for p in locked}
            changed: dict[str, Payment] = {}
            terms: dict[tuple[str, str], FeeTerms] = {}
            done: list[WebhookEvent] = []
            for event, effect, plain in wanted:
                outcome: Outcome = (plain, None)
                if effect is not None:
                    payment = payments.get(effect.gateway_payment_id)
                    if payment is None:
                        continue
                    outcome, applied = await self._affect(uow, event, effect, payment, now, terms)
                    if applied:
                        changed[payment.id] = payment
                event.finish(outcome[0], now, outcome[1])
                done.append(event)
            for payment in changed.values():
                await uow.payments.save(payment)
                await record_on_invoice(uow, payment)
            await uow.webhooks.save_all(done)  # stale if a lease was lost: all rolls back
            await uow.commit()
        return {event.key: event.status for event in done}

    async def _apply(self, claimed: WebhookEvent) -> WebhookStatus:
        now = self._clock.now()
        async with self._uow_factory() as uow:
            event = await uow.webhooks.get(claimed.key)
            if event is None or event.version != claimed.version:
                raise _LeaseLostError(claimed.id)
            outcome: Outcome = (WebhookStatus.PROCESSED, None)
            happened = self._events.read(event.type, event.payload)
            if happened is None:
                outcome = (WebhookStatus.IGNORED, None)
            elif (effect := effect_for(happened)) is not None:
                payment = await uow.payments.get_by_gateway_id(
                    effect.gateway_payment_id, for_update=True
                )
                if payment is None:
                    raise UnknownPaymentError(
                        f"unknown_payment: no payment for {effect.gateway_payment_id}"
                    )
                outcome, applied = await self._affect(uow, event, effect, payment, now, {})
                if applied:
                    await uow.payments.save(payment)
                    await record_on_invoice(uow, payment)
            event.finish(outcome[0], now, outcome[1])
            try:
                await uow.webhooks.save(event)
            except StaleAggregateError:
                raise _LeaseLostError(claimed.id) from None
            await uow.commit()
        return outcome[0]

    async def _affect(
        self,
        uow: UnitOfWork,
        event: WebhookEvent,
        effect: Effect,
        payment: Payment,
        now: datetime,
        terms: dict[tuple[str, str], FeeTerms],
    ) -> tuple[Outcome, bool]:
        """Apply the effect to the payment in memory: the outcome, and whether the payment
        changed (to be saved). IGNORED when the event came through another gateway. Fee
        terms are looked up only for an effect that captures, once per tenant and currency."""
        if payment.gateway != event.gateway:
            # A gateway speaks only for its own payments: anything else is forged or
            # misrouted and changes nothing. Set aside for good rather than retried as
            # unknown: intent ids are unique across gateways, so no payment of this gateway
            # can turn up under it, and no replay can ever apply it.
            return (WebhookStatus.IGNORED, _mismatch(event, payment)), False
        found: FeeTerms | None = None
        if effect.captures(payment):
            key = (payment.tenant_id, payment.currency)
            if key not in terms:
                terms[key] = (await self._fees.resolve(uow, *key)).terms
            found = terms[key]
        result = effect.apply(payment, found, now, self._ids)
        if result is SyncResult.STALE:
            return (WebhookStatus.STALE, None), False
        return (WebhookStatus.PROCESSED, None), result is SyncResult.APPLIED

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
