"""Stripe's object shapes (PaymentIntent, Charge, Refund, Dispute) read into domain terms.

One reading serves the webhook consumer (for both the Stripe and the fake gateway's
events) and the Stripe adapter (for the SDK's answers, as dicts)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from domain.gateway_results import GatewayIntent, GatewayRefund
from domain.money import Money
from domain.statuses import DisputeStatus, PaymentStatus, RefundState

_REFUND_STATES = {
    "pending": RefundState.PENDING,
    "requires_action": RefundState.PENDING,
    "succeeded": RefundState.SUCCEEDED,
    "failed": RefundState.FAILED,
    "canceled": RefundState.FAILED,
}
_DISPUTE_STATES = {
    "warning_needs_response": DisputeStatus.NEEDS_RESPONSE,
    "needs_response": DisputeStatus.NEEDS_RESPONSE,
    "warning_under_review": DisputeStatus.UNDER_REVIEW,
    "under_review": DisputeStatus.UNDER_REVIEW,
    "won": DisputeStatus.WON,
    "warning_closed": DisputeStatus.WON,
    "lost": DisputeStatus.LOST,
}


def object_id(value: Any) -> str | None:
    """Stripe fields hold either an id or the expanded object."""
    if isinstance(value, Mapping):
        found = value.get("id")
        return str(found) if found else None
    return str(value) if value else None


def money(obj: Mapping[str, Any], field: str = "amount") -> Money:
    return Money(int(obj[field]), str(obj["currency"]))


def intent_from_stripe(obj: Mapping[str, Any]) -> GatewayIntent:
    """A PaymentIntent. Stripe sends a declined intent back to `requires_payment_method`
    with `last_payment_error`; Kassa calls that `failed`."""
    status_name = str(obj["status"])
    error = obj.get("last_payment_error") or {}
    status = PaymentStatus(status_name)
    if status is PaymentStatus.REQUIRES_PAYMENT_METHOD and error:
        status = PaymentStatus.FAILED
    return GatewayIntent(
        gateway_payment_id=str(obj["id"]),
        status=status,
        amount=money(obj),
        amount_capturable=int(obj.get("amount_capturable") or 0),
        amount_received=int(obj.get("amount_received") or 0),
        client_secret=obj.get("client_secret"),
        charge_id=object_id(obj.get("latest_charge")),
        payment_method=object_id(obj.get("payment_method")),
        failure_code=error.get("code"),
        failure_message=error.get("message"),
        decline_code=error.get("decline_code"),
        cancellation_reason=obj.get("cancellation_reason"),
        next_action=obj.get("next_action"),
    )


def refund_from_stripe(
    obj: Mapping[str, Any], gateway_payment_id: str | None = None
) -> GatewayRefund:
    payment_intent = object_id(obj.get("payment_intent")) or gateway_payment_id
    if payment_intent is None:
        raise ValueError(f"Refund {obj.get('id')} names no payment_intent.")
    return GatewayRefund(
        gateway_refund_id=str(obj["id"]),
        gateway_payment_id=payment_intent,
        amount=money(obj),
        status=_REFUND_STATES[str(obj["status"])],
        reason=obj.get("reason"),
        failure_reason=obj.get("failure_reason"),
        kassa_refund_id=(obj.get("metadata") or {}).get("kassa_refund_id"),
    )


def dispute_status(obj: Mapping[str, Any]) -> DisputeStatus:
    return _DISPUTE_STATES.get(str(obj.get("status")), DisputeStatus.NEEDS_RESPONSE)


def balance_fee(charge: Mapping[str, Any]) -> Money | None:
    """The actual gateway fee when the charge's balance transaction is expanded."""
    txn = charge.get("balance_transaction")
    if isinstance(txn, Mapping) and txn.get("fee") is not None:
        return Money(int(txn["fee"]), str(txn.get("currency") or charge["currency"]))
    return None
