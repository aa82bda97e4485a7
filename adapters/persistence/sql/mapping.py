"""Explicit row ↔ aggregate functions: the domain knows nothing of the tables."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict
from enum import Enum
from typing import Any

from domain.audit import Actor, AuditEntry
from domain.dispute import Dispute
from domain.fees import FeeOverride, FeeSchedule, FeeTerms, FeeTier
from domain.idempotency import IdempotencyRecord, IdempotencyState
from domain.money import Money
from domain.payment import Payment
from domain.payment_fees import PaymentFees
from domain.refund import Refund
from domain.statuses import (
    CaptureMethod,
    DisputeStatus,
    GatewayFeeSource,
    PaymentStatus,
    RefundState,
)
from domain.tenant import Tenant, TenantStatus
from domain.webhook_event import WebhookEvent, WebhookStatus

Row = Mapping[str, Any]

# Payment attributes stored column for column under the same name.
_PAYMENT_PLAIN = (
    "id", "tenant_id", "order_id", "customer_id", "invoice_id", "capture_method", "status",
    "payment_method", "description", "amount_capturable", "amount_captured", "captured_at",
    "gateway", "connected_account_id", "gateway_payment_id", "gateway_charge_id",
    "client_secret", "next_action", "failure_code", "failure_message", "decline_code",
    "cancellation_reason", "outcome_unknown", "exclusive", "order_claim",
    "version", "created_at", "updated_at",
)  # fmt: skip


def _plain(value: Any) -> Any:
    """Enums as their plain string values: drivers want `str`, not a subclass."""
    return value.value if isinstance(value, Enum) else value


def payment_to_row(payment: Payment) -> dict[str, Any]:
    row = {name: _plain(getattr(payment, name)) for name in _PAYMENT_PLAIN}
    row.update(
        amount=payment.amount.amount,
        currency=payment.amount.currency,
        metadata=dict(payment.metadata),
        fee_terms=asdict(payment.fee_terms) if payment.fee_terms is not None else None,
        platform_fee=payment.platform_fee,
        gateway_fee=payment.gateway_fee,
        gateway_fee_source=payment.gateway_fee_source.value,
        dispute_status=payment.dispute.status.value,
        dispute_amount=payment.dispute.amount,
        refund_status=payment.refund_status.value,
        amount_refunded=payment.amount_refunded,
    )
    return row


def refund_to_row(payment_id: str, position: int, refund: Refund) -> dict[str, Any]:
    return {
        "id": refund.id,
        "payment_id": payment_id,
        "position": position,
        "amount": refund.amount.amount,
        "currency": refund.amount.currency,
        "platform_fee_reversed": refund.platform_fee_reversed.amount,
        "reason": refund.reason,
        "status": refund.status.value,
        "gateway_refund_id": refund.gateway_refund_id,
        "failure_reason": refund.failure_reason,
        "created_at": refund.created_at,
        "updated_at": refund.updated_at,
    }


def refund_from_row(row: Row) -> Refund:
    return Refund(
        id=row["id"],
        amount=Money(row["amount"], row["currency"]),
        reason=row["reason"],
        status=RefundState(row["status"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        platform_fee_reversed=Money(row["platform_fee_reversed"], row["currency"]),
        gateway_refund_id=row["gateway_refund_id"],
        failure_reason=row["failure_reason"],
    )


def payment_from_row(row: Row, refund_rows: Iterable[Row]) -> Payment:
    fields = {name: row[name] for name in _PAYMENT_PLAIN}
    fields.update(
        capture_method=CaptureMethod(row["capture_method"]),
        status=PaymentStatus(row["status"]),
        outcome_unknown=bool(row["outcome_unknown"]),
    )
    terms = row["fee_terms"]
    return Payment(
        **fields,
        amount=Money(row["amount"], row["currency"]),
        metadata=dict(row["metadata"]),
        fees=PaymentFees(
            terms=FeeTerms(**terms) if terms is not None else None,
            platform_fee=row["platform_fee"],
            gateway_fee=row["gateway_fee"],
            gateway_fee_source=GatewayFeeSource(row["gateway_fee_source"]),
        ),
        dispute=Dispute(DisputeStatus(row["dispute_status"]), row["dispute_amount"]),
        refunds=[refund_from_row(r) for r in sorted(refund_rows, key=lambda r: r["position"])],
    )


def _override_to_json(override: FeeOverride | None) -> dict[str, Any] | None:
    if override is None:
        return None
    fixed = override.fixed_amounts
    return {
        "percentage_bps": override.percentage_bps,
        "fixed_amounts": dict(fixed) if fixed is not None else None,
    }


def _override_from_json(data: Mapping[str, Any] | None) -> FeeOverride | None:
    if data is None:
        return None
    return FeeOverride(percentage_bps=data["percentage_bps"], fixed_amounts=data["fixed_amounts"])


def tenant_to_row(tenant: Tenant) -> dict[str, Any]:
    return {
        "id": tenant.id,
        "name": tenant.name,
        "fee_tier": tenant.fee_tier,
        "fee_override": _override_to_json(tenant.fee_override),
        "connected_account_id": tenant.connected_account_id,
        "status": tenant.status.value,
        "version": tenant.version,
        "created_at": tenant.created_at,
        "updated_at": tenant.updated_at,
    }


def tenant_from_row(row: Row) -> Tenant:
    return Tenant(
        id=row["id"],
        name=row["name"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        fee_tier=row["fee_tier"],
        fee_override=_override_from_json(row["fee_override"]),
        connected_account_id=row["connected_account_id"],
        status=TenantStatus(row["status"]),
        version=row["version"],
    )


def fee_tier_to_row(tier: FeeTier) -> dict[str, Any]:
    return {
        "code": tier.code,
        "name": tier.name,
        "level": tier.level,
        "percentage_bps": tier.schedule.percentage_bps,
        "fixed_amounts": dict(tier.schedule.fixed_amounts),
        "version": tier.version,
    }


def fee_tier_from_row(row: Row) -> FeeTier:
    return FeeTier(
        code=row["code"],
        name=row["name"],
        level=row["level"],
        schedule=FeeSchedule(row["percentage_bps"], row["fixed_amounts"]),
        version=row["version"],
    )


def idempotency_to_row(record: IdempotencyRecord) -> dict[str, Any]:
    return {
        "tenant_id": record.tenant_id,
        "key": record.key,
        "fingerprint": record.fingerprint,
        "state": record.state.value,
        "payment_id": record.payment_id,
        "response_status": record.response_status,
        "response_body": record.response_body,
        "version": record.version,
        "created_at": record.created_at,
        "expires_at": record.expires_at,
        "locked_until": record.locked_until,
    }


def idempotency_from_row(row: Row) -> IdempotencyRecord:
    return IdempotencyRecord(
        tenant_id=row["tenant_id"],
        key=row["key"],
        fingerprint=row["fingerprint"],
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        locked_until=row["locked_until"],
        state=IdempotencyState(row["state"]),
        payment_id=row["payment_id"],
        response_status=row["response_status"],
        response_body=bytes(row["response_body"]) if row["response_body"] is not None else None,
        version=row["version"],
    )


def audit_entry_to_row(entry: AuditEntry) -> dict[str, Any]:
    actor = entry.actor
    return {
        "id": entry.id,
        "tenant_id": entry.tenant_id,
        "actor_kind": actor.kind,
        "actor_id": actor.id,
        "ip": actor.ip,
        "user_agent": actor.user_agent,
        "request_id": actor.request_id,
        "action": entry.action,
        "entity_type": entry.entity_type,
        "entity_id": entry.entity_id,
        "details": dict(entry.details),
        "created_at": entry.created_at,
    }


def audit_entry_from_row(row: Row) -> AuditEntry:
    return AuditEntry(
        id=row["id"],
        tenant_id=row["tenant_id"],
        actor=Actor(
            kind=row["actor_kind"],
            id=row["actor_id"],
            ip=row["ip"],
            user_agent=row["user_agent"],
            request_id=row["request_id"],
        ),
        action=row["action"],
        entity_type=row["entity_type"],
        entity_id=row["entity_id"],
        created_at=row["created_at"],
        details=dict(row["details"]),
    )


# What processing changes; the receipt itself (id, gateway, type, payload) never does.
WEBHOOK_EVENT_PROGRESS = (
    "status", "attempts", "next_attempt_at", "locked_until", "last_error", "processed_at",
)  # fmt: skip


def webhook_event_to_row(event: WebhookEvent) -> dict[str, Any]:
    return {
        "id": event.id,
        "gateway": event.gateway,
        "type": event.type,
        "payload": event.payload,
        "status": event.status.value,
        "attempts": event.attempts,
        "next_attempt_at": event.next_attempt_at,
        "locked_until": event.locked_until,
        "last_error": event.last_error,
        "received_at": event.received_at,
        "processed_at": event.processed_at,
        "version": event.version,
    }


def webhook_event_from_row(row: Row) -> WebhookEvent:
    return WebhookEvent(
        id=row["id"],
        gateway=row["gateway"],
        type=row["type"],
        payload=bytes(row["payload"]),
        received_at=row["received_at"],
        next_attempt_at=row["next_attempt_at"],
        status=WebhookStatus(row["status"]),
        attempts=row["attempts"],
        locked_until=row["locked_until"],
        last_error=row["last_error"],
        processed_at=row["processed_at"],
        version=row["version"],
    )
