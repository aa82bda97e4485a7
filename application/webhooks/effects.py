"""What each Stripe event type does to a payment: the single event → transition mapping."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from application.ports.system import IdFactory
from application.webhooks.stripe_format import (
    balance_fee,
    dispute_status,
    intent_from_stripe,
    money,
    object_id,
    refund_from_stripe,
)
from domain.fees import FeeTerms
from domain.gateway_results import GatewayIntent
from domain.payment import Payment
from domain.statuses import DisputeStatus, PaymentStatus, SyncResult

Apply = Callable[[Payment, FeeTerms, datetime, IdFactory], SyncResult]

INFORMATIONAL = frozenset({"payment_intent.created"})
_INTENT_EVENTS = frozenset(
    {
        "payment_intent.amount_capturable_updated",
        "payment_intent.succeeded",
        "payment_intent.payment_failed",
        "payment_intent.canceled",
        "payment_intent.processing",
        "payment_intent.requires_action",
    }
)


@dataclass(frozen=True, slots=True)
class Effect:
    """The change one event asks of the payment behind `gateway_payment_id`."""

    gateway_payment_id: str
    apply: Apply


def effect_for(event_type: str, obj: Mapping[str, Any]) -> Effect | None:
    """The effect of an event, or None for types Kassa does not act on."""
    if event_type in _INTENT_EVENTS:
        intent = intent_from_stripe(obj)
        return Effect(
            intent.gateway_payment_id, lambda p, terms, now, _: p.sync(intent, terms, now)
        )
    builder = _BUILDERS.get(event_type)
    return builder(obj) if builder else None


def _payment_intent_of(obj: Mapping[str, Any]) -> str:
    found = object_id(obj.get("payment_intent"))
    if found is None:
        raise ValueError(f"{obj.get('object')} {obj.get('id')} names no payment_intent.")
    return found


def _charge_succeeded(charge: Mapping[str, Any]) -> Effect:
    fee = balance_fee(charge)
    charge_id = str(charge["id"])

    return Effect(
        _payment_intent_of(charge), lambda p, _, now, __: p.record_charge(charge_id, fee, now)
    )


def _charge_failed(charge: Mapping[str, Any]) -> Effect:
    outcome = charge.get("outcome") or {}
    intent = GatewayIntent(
        gateway_payment_id=_payment_intent_of(charge),
        status=PaymentStatus.FAILED,
        amount=money(charge),
        charge_id=str(charge["id"]),
        failure_code=charge.get("failure_code"),
        failure_message=charge.get("failure_message"),
        decline_code=outcome.get("reason"),
    )
    return Effect(intent.gateway_payment_id, lambda p, terms, now, _: p.sync(intent, terms, now))


def _combine(results: list[SyncResult]) -> SyncResult:
    if SyncResult.APPLIED in results:
        return SyncResult.APPLIED
    if results and all(r is SyncResult.STALE for r in results):
        return SyncResult.STALE
    return SyncResult.UNCHANGED


def _charge_refunded(charge: Mapping[str, Any]) -> Effect:
    """The charge lists its refunds (older API versions); refund.* events carry them too."""
    intent_id = _payment_intent_of(charge)
    listed = (charge.get("refunds") or {}).get("data") or []
    refunds = [refund_from_stripe(r, intent_id) for r in listed]

    def apply(p: Payment, _: FeeTerms, now: datetime, ids: IdFactory) -> SyncResult:
        return _combine([p.absorb_gateway_refund(ids.new("re"), r, now) for r in refunds])

    return Effect(intent_id, apply)


def _refund_changed(obj: Mapping[str, Any]) -> Effect:
    refund = refund_from_stripe(obj)
    return Effect(
        refund.gateway_payment_id,
        lambda p, _, now, ids: p.absorb_gateway_refund(ids.new("re"), refund, now),
    )


def _dispute_created(dispute: Mapping[str, Any]) -> Effect:
    amount, status = money(dispute), dispute_status(dispute)
    return Effect(
        _payment_intent_of(dispute), lambda p, _, now, __: p.open_dispute(amount, status, now)
    )


def _dispute_closed(dispute: Mapping[str, Any]) -> Effect:
    won = dispute_status(dispute) is DisputeStatus.WON
    return Effect(_payment_intent_of(dispute), lambda p, _, now, __: p.close_dispute(won, now))


_BUILDERS: dict[str, Callable[[Mapping[str, Any]], Effect]] = {
    "charge.succeeded": _charge_succeeded,
    "charge.captured": _charge_succeeded,
    "charge.failed": _charge_failed,
    "charge.refunded": _charge_refunded,
    "refund.created": _refund_changed,
    "refund.updated": _refund_changed,
    "charge.refund.updated": _refund_changed,
    "charge.dispute.created": _dispute_created,
    "charge.dispute.closed": _dispute_closed,
}
