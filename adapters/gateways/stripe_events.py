"""Stripe's webhook events (the fake gateway sends the same) read into gateway-neutral
events: the one place that knows which Stripe event type means what."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from adapters.gateways import stripe_signature
from adapters.gateways.event_envelope import read_envelope
from adapters.gateways.stripe_format import (
    balance_fee,
    dispute_status,
    intent_from_stripe,
    money,
    object_id,
    refund_from_stripe,
)
from domain.gateway_events import (
    Acknowledged,
    ChargeSucceeded,
    DisputeClosed,
    DisputeOpened,
    EventKind,
    GatewayEvent,
    IntentChanged,
    RefundsReported,
)
from domain.gateway_results import GatewayIntent
from domain.statuses import DisputeStatus, PaymentStatus

_ACKNOWLEDGED = frozenset({"payment_intent.created"})
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


class StripeEventFormat:
    """Stripe's signature scheme and event JSON, for the inbox (receipt) and the consumer."""

    def verify(self, payload: bytes, header: str | None, secret: str, now: datetime) -> None:
        stripe_signature.verify(payload, header, secret, now)

    def sign(self, payload: bytes, secret: str, timestamp: int) -> str:
        return stripe_signature.sign(payload, secret, timestamp)

    def envelope(self, payload: bytes) -> tuple[str, str]:
        return read_envelope(payload)

    def kind(self, event_type: str) -> EventKind:
        if event_type in _ACKNOWLEDGED:
            return EventKind.INFORMATIONAL
        if event_type in _INTENT_EVENTS or event_type in _READERS:
            return EventKind.ACTIONABLE
        return EventKind.UNHANDLED

    def read(self, event_type: str, payload: bytes) -> GatewayEvent | None:
        kind = self.kind(event_type)
        if kind is EventKind.INFORMATIONAL:
            return Acknowledged()
        if kind is EventKind.UNHANDLED:
            return None
        obj = json.loads(payload)["data"]["object"]
        if event_type in _INTENT_EVENTS:
            return IntentChanged(intent_from_stripe(obj))
        return _READERS[event_type](obj)


def _payment_intent_of(obj: Mapping[str, Any]) -> str:
    found = object_id(obj.get("payment_intent"))
    if found is None:
        raise ValueError(f"{obj.get('object')} {obj.get('id')} names no payment_intent.")
    return found


def _charge_succeeded(charge: Mapping[str, Any]) -> GatewayEvent:
    return ChargeSucceeded(_payment_intent_of(charge), str(charge["id"]), balance_fee(charge))


def _charge_failed(charge: Mapping[str, Any]) -> GatewayEvent:
    outcome = charge.get("outcome") or {}
    return IntentChanged(
        GatewayIntent(
            gateway_payment_id=_payment_intent_of(charge),
            status=PaymentStatus.FAILED,
            amount=money(charge),
            charge_id=str(charge["id"]),
            failure_code=charge.get("failure_code"),
            failure_message=charge.get("failure_message"),
            decline_code=outcome.get("reason"),
        )
    )


def _charge_refunded(charge: Mapping[str, Any]) -> GatewayEvent:
    """The charge lists its refunds (older API versions); refund.* events carry them too."""
    intent_id = _payment_intent_of(charge)
    listed = (charge.get("refunds") or {}).get("data") or []
    return RefundsReported(intent_id, tuple(refund_from_stripe(r, intent_id) for r in listed))


def _refund_changed(obj: Mapping[str, Any]) -> GatewayEvent:
    refund = refund_from_stripe(obj)
    return RefundsReported(refund.gateway_payment_id, (refund,))


def _dispute_created(dispute: Mapping[str, Any]) -> GatewayEvent:
    return DisputeOpened(_payment_intent_of(dispute), money(dispute), dispute_status(dispute))


def _dispute_closed(dispute: Mapping[str, Any]) -> GatewayEvent:
    won = dispute_status(dispute) is DisputeStatus.WON
    return DisputeClosed(_payment_intent_of(dispute), won)


_READERS: dict[str, Callable[[Mapping[str, Any]], GatewayEvent]] = {
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
