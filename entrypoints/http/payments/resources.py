"""Response resources of the merchant API: the payment (§3), its refunds, lists, errors."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Literal

import msgspec
from msgspec import UNSET, Struct, UnsetType

from domain.capture_method import CaptureMethod
from domain.payment import Payment
from domain.payment_fees import GatewayFeeSource
from domain.refund import Refund
from domain.statuses import DisputeStatus, PaymentStatus, RefundState, RefundStatus


class RefundResource(Struct, kw_only=True):
    id: str
    object: Literal["refund"] = "refund"
    payment_id: str
    amount: int
    currency: str
    reason: str | None
    status: RefundState
    platform_fee_reversed: int
    failure_reason: str | None
    created_at: datetime
    updated_at: datetime


class PaymentResource(Struct, kw_only=True):
    """`client_secret` appears in create and `requires_action` answers only."""

    id: str
    object: Literal["payment"] = "payment"
    tenant_id: str
    order_id: str
    customer_id: str | None
    description: str | None
    amount: int
    currency: str
    capture_method: CaptureMethod
    status: PaymentStatus
    refund_status: RefundStatus
    dispute_status: DisputeStatus
    amount_capturable: int
    amount_captured: int
    amount_refunded: int
    platform_fee: int
    platform_fee_reversed: int
    gateway_fee: int
    gateway_fee_source: GatewayFeeSource
    net_amount: int
    gateway: str
    gateway_payment_id: str | None
    payment_method: str | None
    client_secret: str | UnsetType = UNSET
    next_action: dict[str, Any] | UnsetType = UNSET
    failure_code: str | None
    failure_message: str | None
    decline_code: str | None
    cancellation_reason: str | None
    outcome_unknown: bool
    refunds: list[RefundResource]
    metadata: dict[str, str]
    captured_at: datetime | None
    created_at: datetime
    updated_at: datetime


class PaymentList(Struct, kw_only=True):
    object: Literal["list"] = "list"
    data: list[PaymentResource]
    has_more: bool
    url: str


class ErrorDetail(Struct, kw_only=True):
    type: str
    code: str
    message: str
    param: str | None
    request_id: str
    payment_id: str | UnsetType = UNSET
    decline_code: str | UnsetType | None = UNSET


class ErrorEnvelope(Struct, kw_only=True):
    """Every error (SPEC §9); a decline (402) adds `payment_id` and `decline_code`."""

    error: ErrorDetail


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def refund_resource(payment: Payment, refund: Refund) -> RefundResource:
    return RefundResource(
        id=refund.id,
        payment_id=payment.id,
        amount=refund.amount.amount,
        currency=refund.amount.currency.lower(),
        reason=refund.reason,
        status=refund.status,
        platform_fee_reversed=refund.platform_fee_reversed.amount,
        failure_reason=refund.failure_reason,
        created_at=_utc(refund.created_at),
        updated_at=_utc(refund.updated_at),
    )


def payment_resource(payment: Payment, *, with_secret: bool = False) -> PaymentResource:
    """The §3 resource; `with_secret` for the answer to the request that created it."""
    requires_action = payment.status is PaymentStatus.REQUIRES_ACTION
    secret: str | UnsetType = UNSET
    if (with_secret or requires_action) and payment.client_secret:
        secret = payment.client_secret
    ledger = payment.ledger  # the refunds summed once, for the three figures of them
    return PaymentResource(
        id=payment.id,
        tenant_id=payment.tenant_id,
        order_id=payment.order_id,
        customer_id=payment.customer_id,
        description=payment.description,
        amount=payment.amount.amount,
        currency=payment.currency.lower(),
        capture_method=payment.capture_method,
        status=payment.status,
        refund_status=ledger.status,
        dispute_status=payment.dispute_status,
        amount_capturable=payment.amount_capturable,
        amount_captured=payment.amount_captured,
        amount_refunded=ledger.refunded,
        platform_fee=payment.platform_fee,
        platform_fee_reversed=ledger.fee_reversed,
        gateway_fee=payment.gateway_fee,
        gateway_fee_source=payment.gateway_fee_source,
        net_amount=payment.net_amount,
        gateway=payment.gateway,
        gateway_payment_id=payment.gateway_payment_id,
        payment_method=payment.payment_method,
        client_secret=secret,
        next_action=(payment.next_action or {}) if requires_action else UNSET,
        failure_code=payment.failure_code,
        failure_message=payment.failure_message,
        decline_code=payment.decline_code,
        cancellation_reason=payment.cancellation_reason,
        outcome_unknown=payment.outcome_unknown,
        refunds=[refund_resource(payment, r) for r in payment.refunds],
        metadata=dict(payment.metadata),
        captured_at=_utc(payment.captured_at) if payment.captured_at else None,
        created_at=_utc(payment.created_at),
        updated_at=_utc(payment.updated_at),
    )


def payment_list(payments: Sequence[Payment], has_more: bool, url: str) -> PaymentList:
    return PaymentList(data=[payment_resource(p) for p in payments], has_more=has_more, url=url)


def encode(resource: Struct) -> bytes:
    return msgspec.json.encode(resource)
