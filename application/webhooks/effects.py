"""What each gateway event does to a payment: the single event → transition mapping."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from application.ports.system import IdFactory
from domain.fees import FeeTerms
from domain.gateway_events import (
    ChargeSucceeded,
    DisputeClosed,
    DisputeOpened,
    GatewayEvent,
    IntentChanged,
    RefundsReported,
)
from domain.payment import Payment
from domain.sync_result import SyncResult

Apply = Callable[[Payment, FeeTerms | None, datetime, IdFactory], SyncResult]


def _never(_: Payment) -> bool:
    return False


@dataclass(frozen=True, slots=True)
class Effect:
    """The change one event asks of the payment behind `gateway_payment_id`; `captures`
    says whether applying it to that payment captures, so needs the fee terms (only
    then are they looked up: the tenant and its tier are two reads)."""

    gateway_payment_id: str
    apply: Apply
    captures: Callable[[Payment], bool] = _never


def effect_for(event: GatewayEvent) -> Effect | None:
    """The effect of an event on its payment, or None when it asks for no change."""
    match event:
        case IntentChanged(intent=intent):
            return Effect(
                intent.gateway_payment_id,
                lambda p, terms, now, _: p.sync(intent, terms, now),
                lambda p: p.sync_captures(intent),
            )
        case ChargeSucceeded(gateway_payment_id=pid, charge_id=charge_id, fee=fee):
            return Effect(pid, lambda p, _, now, __: p.record_charge(charge_id, fee, now))
        case RefundsReported(gateway_payment_id=pid, refunds=refunds):

            def absorb(p: Payment, _: FeeTerms | None, now: datetime, ids: IdFactory) -> SyncResult:
                return _combine([p.absorb_gateway_refund(ids.new("re"), r, now) for r in refunds])

            return Effect(pid, absorb)
        case DisputeOpened(gateway_payment_id=pid, amount=amount, status=status):
            return Effect(pid, lambda p, _, now, __: p.open_dispute(amount, status, now))
        case DisputeClosed(gateway_payment_id=pid, won=won):
            return Effect(pid, lambda p, _, now, __: p.close_dispute(won, now))
    return None  # Acknowledged: nothing to change


def _combine(results: list[SyncResult]) -> SyncResult:
    if SyncResult.APPLIED in results:
        return SyncResult.APPLIED
    if results and all(r is SyncResult.STALE for r in results):
        return SyncResult.STALE
    return SyncResult.UNCHANGED
