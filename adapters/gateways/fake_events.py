"""The fake gateway's webhook events, in Stripe's event format and signature scheme."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import msgspec

from adapters.gateways.fake_state import FakeDispute, FakeIntent, FakeRefund
from adapters.gateways.stripe_signature import sign
from domain.capture_method import CaptureMethod
from domain.statuses import PaymentStatus, RefundState


@dataclass(frozen=True, slots=True)
class SignedDelivery:
    """One webhook delivery as the gateway would POST it."""

    event_id: str
    event_type: str
    payload: bytes
    signature: str


def _stripe_status(intent: FakeIntent) -> str:
    # Stripe sends a declined intent back to requires_payment_method with the error.
    if intent.status is PaymentStatus.FAILED:
        return PaymentStatus.REQUIRES_PAYMENT_METHOD.value
    return intent.status.value


def intent_object(intent: FakeIntent) -> dict[str, Any]:
    code, decline, message = intent.failure or (None, None, None)
    return {
        "id": intent.id,
        "object": "payment_intent",
        "amount": intent.amount.amount,
        "currency": intent.amount.currency.lower(),
        "status": _stripe_status(intent),
        "capture_method": intent.capture_method.value,
        "amount_capturable": intent.amount_capturable,
        "amount_received": intent.amount_received,
        "client_secret": intent.client_secret,
        "latest_charge": intent.charge_id,
        "payment_method": intent.payment_method,
        "cancellation_reason": intent.cancellation_reason,
        "last_payment_error": (
            {"type": "card_error", "code": code, "decline_code": decline, "message": message}
            if intent.failure
            else None
        ),
        "metadata": intent.metadata,
    }


def charge_object(intent: FakeIntent, refunds: list[FakeRefund], fee: int) -> dict[str, Any]:
    code, decline, message = intent.failure or (None, None, None)
    captured = intent.status is PaymentStatus.SUCCEEDED
    refunded = sum(r.amount.amount for r in refunds if r.status is not RefundState.FAILED)
    return {
        "id": intent.charge_id,
        "object": "charge",
        "payment_intent": intent.id,
        "amount": intent.amount.amount,
        "amount_captured": intent.amount_received,
        "amount_refunded": refunded,
        "currency": intent.amount.currency.lower(),
        "captured": captured or intent.capture_method is CaptureMethod.AUTOMATIC,
        "paid": intent.failure is None,
        "status": "failed" if intent.failure else "succeeded",
        "failure_code": code,
        "failure_message": message,
        "outcome": {"reason": decline} if decline else None,
        "balance_transaction": (
            {
                "id": f"txn_{intent.charge_id}",
                "object": "balance_transaction",
                "fee": fee,
                "currency": intent.amount.currency.lower(),
            }
            if captured
            else None
        ),
        "refunds": {"object": "list", "data": [refund_object(r) for r in refunds]},
    }


def refund_object(refund: FakeRefund) -> dict[str, Any]:
    return {
        "id": refund.id,
        "object": "refund",
        "payment_intent": refund.intent_id,
        "amount": refund.amount.amount,
        "currency": refund.amount.currency.lower(),
        "status": refund.status.value,
        "reason": refund.reason,
        "metadata": dict(refund.metadata),
        "failure_reason": (
            "expired_or_canceled_card" if refund.status is RefundState.FAILED else None
        ),
    }


def dispute_object(dispute: FakeDispute) -> dict[str, Any]:
    return {
        "id": dispute.id,
        "object": "dispute",
        "charge": dispute.charge_id,
        "payment_intent": dispute.intent_id,
        "amount": dispute.amount.amount,
        "currency": dispute.amount.currency.lower(),
        "status": dispute.status,
        "reason": "fraudulent",
    }


def new_event(event_id: str, event_type: str, obj: dict[str, Any], now: datetime) -> dict[str, Any]:
    return {
        "id": event_id,
        "object": "event",
        "type": event_type,
        "created": int(now.timestamp()),
        "livemode": False,
        "data": {"object": obj},
    }


def signed(event: dict[str, Any], secret: str, now: datetime) -> SignedDelivery:
    """The event as the gateway POSTs it: compact JSON, signed at `now`."""
    payload = json.dumps(event, separators=(",", ":")).encode()
    return SignedDelivery(
        event["id"], event["type"], payload, sign(payload, secret, int(now.timestamp()))
    )


class FakeEventLog:
    """The in-memory gateway's events, in order; `undelivered` hands out the new ones."""

    def __init__(self, events: list[bytes]) -> None:
        self._events = events  # the ledger's, as their JSON
        self._delivered = 0

    @property
    def events(self) -> list[dict[str, Any]]:
        return [msgspec.json.decode(event) for event in self._events]

    def undelivered(self) -> list[dict[str, Any]]:
        """Events emitted since the last call, oldest first."""
        fresh = self._events[self._delivered :]
        self._delivered = len(self._events)
        return [msgspec.json.decode(event) for event in fresh]

    signed = staticmethod(signed)
