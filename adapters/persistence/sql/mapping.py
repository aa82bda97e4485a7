"""Row ↔ entity mappers for every table: the columns that are fields are copied (see
RowMapper); what is written here by hand is only what really converts."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from typing import Any

from adapters.persistence.sql.row_mapper import Row, RowMapper, values_of
from adapters.persistence.sql.tables import (
    audit_entries,
    customers,
    delivery_attempts,
    event_deliveries,
    fee_tiers,
    idempotency_keys,
    invoices,
    mail_outbox,
    merchant_events,
    payments,
    portal_tokens,
    receipts,
    refunds,
    saved_payment_methods,
    tenants,
    webhook_endpoints,
    webhook_events,
)
from domain.audit import Actor, AuditEntry
from domain.customer import Customer, SavedPaymentMethod
from domain.dispute import Dispute
from domain.event_delivery import DeliveryAttempt, EventDelivery
from domain.fees import FeeOverride, FeeSchedule, FeeTerms, FeeTier
from domain.idempotency import IdempotencyRecord
from domain.invoice import Invoice, InvoiceLine
from domain.mail import OutboxMail
from domain.merchant_event import MerchantEvent
from domain.money import Money
from domain.payment import Payment
from domain.payment_fees import GatewayFeeSource, PaymentFees
from domain.portal_token import PortalToken
from domain.receipt import Receipt, ReceiptLine
from domain.refund import Refund
from domain.statuses import DisputeStatus
from domain.tenant import Tenant
from domain.webhook_endpoint import WebhookEndpoint
from domain.webhook_event import WebhookEvent

__all__ = ["Row"]


def _fields_of(kind: type[Any]) -> Callable[[Any], dict[str, Any]]:
    """A flat dataclass of `kind` as a dict of its fields: one C-level read of them all,
    where `dataclasses.asdict` deep-copies value by value (a twentieth of a row's cost)."""
    names = [f.name for f in dataclasses.fields(kind)]
    values = values_of(names)
    return lambda each: dict(zip(names, values(each), strict=True))


# ------------------------------------------------------------------------ payments

# A payment's or refund's Money `amount` ↔ its `amount` and `currency` columns.
_AMOUNT_COLUMNS: dict[str, Callable[[Any], Any]] = {
    "amount": lambda entity: entity.amount.amount,
    "currency": lambda entity: entity.amount.currency,
}
_AMOUNT_FIELD: dict[str, Callable[[Row], Any]] = {
    "amount": lambda row: Money(row["amount"], row["currency"])
}

REFUND = RowMapper(
    Refund,
    refunds,
    to_columns={
        **_AMOUNT_COLUMNS,
        "platform_fee_reversed": lambda r: r.platform_fee_reversed.amount,
    },
    from_row={
        **_AMOUNT_FIELD,
        "platform_fee_reversed": lambda row: Money(row["platform_fee_reversed"], row["currency"]),
    },
    supplied=("payment_id", "position"),  # which payment, and where in its list
)

_FEE_TERMS = _fields_of(FeeTerms)

PAYMENT = RowMapper(
    Payment,
    payments,
    to_columns={
        **_AMOUNT_COLUMNS,
        "metadata": lambda p: dict(p.metadata),
        "fee_terms": lambda p: _FEE_TERMS(p.fee_terms) if p.fee_terms is not None else None,
        "platform_fee": lambda p: p.platform_fee,
        "gateway_fee": lambda p: p.gateway_fee,
        "gateway_fee_source": lambda p: p.gateway_fee_source.value,
        "dispute_status": lambda p: p.dispute.status.value,
        "dispute_amount": lambda p: p.dispute.amount,
        # Derived from the refunds, kept as columns for queries.
        "refund_status": lambda p: p.refund_status.value,
        "amount_refunded": lambda p: p.amount_refunded,
    },
    from_row={
        **_AMOUNT_FIELD,
        "metadata": lambda row: dict(row["metadata"]),
        "fees": lambda row: PaymentFees(
            terms=FeeTerms(**row["fee_terms"]) if row["fee_terms"] is not None else None,
            platform_fee=row["platform_fee"],
            gateway_fee=row["gateway_fee"],
            gateway_fee_source=GatewayFeeSource(row["gateway_fee_source"]),
        ),
        "dispute": lambda row: Dispute(DisputeStatus(row["dispute_status"]), row["dispute_amount"]),
    },
    supplied=("refunds",),
)


def payment_from_row(row: Row, refund_rows: Iterable[Row]) -> Payment:
    ordered = sorted(refund_rows, key=lambda r: r["position"])
    return PAYMENT.from_row(row, refunds=[REFUND.from_row(r) for r in ordered])


def refund_rows(payment: Payment) -> list[dict[str, Any]]:
    return [
        REFUND.to_row(refund, payment_id=payment.id, position=position)
        for position, refund in enumerate(payment.refunds)
    ]


# ---------------------------------------------------------------- tenants and fees


def _override_to_json(override: FeeOverride | None) -> dict[str, Any] | None:
    if override is None:
        return None
    fixed = override.fixed_amounts
    return {
        "percentage_bps": override.percentage_bps,
        "fixed_amounts": dict(fixed) if fixed is not None else None,
    }


def _override_from_json(row: Row) -> FeeOverride | None:
    data = row["fee_override"]
    if data is None:
        return None
    return FeeOverride(percentage_bps=data["percentage_bps"], fixed_amounts=data["fixed_amounts"])


TENANT = RowMapper(
    Tenant,
    tenants,
    to_columns={"fee_override": lambda t: _override_to_json(t.fee_override)},
    from_row={"fee_override": _override_from_json},
)

FEE_TIER = RowMapper(
    FeeTier,
    fee_tiers,
    to_columns={
        "percentage_bps": lambda t: t.schedule.percentage_bps,
        "fixed_amounts": lambda t: dict(t.schedule.fixed_amounts),
    },
    from_row={"schedule": lambda row: FeeSchedule(row["percentage_bps"], row["fixed_amounts"])},
)

# ------------------------------------------------------------ the rest of the house

IDEMPOTENCY_RECORD = RowMapper(IdempotencyRecord, idempotency_keys)

AUDIT_ENTRY = RowMapper(
    AuditEntry,
    audit_entries,
    to_columns={
        "actor_kind": lambda e: e.actor.kind,
        "actor_id": lambda e: e.actor.id,
        "ip": lambda e: e.actor.ip,
        "user_agent": lambda e: e.actor.user_agent,
        "request_id": lambda e: e.actor.request_id,
        "details": lambda e: dict(e.details),
    },
    from_row={
        "actor": lambda row: Actor(
            row["actor_kind"], row["actor_id"], row["ip"], row["user_agent"], row["request_id"]
        ),
        "details": lambda row: dict(row["details"]),
    },
)

WEBHOOK_EVENT = RowMapper(WebhookEvent, webhook_events)

# What processing changes; the receipt itself (id, gateway, type, payload) never does.
WEBHOOK_EVENT_PROGRESS = (
    "status", "attempts", "next_attempt_at", "locked_until", "last_error", "processed_at",
)  # fmt: skip

CUSTOMER = RowMapper(Customer, customers)


def _json_lines(line: type[Any]) -> dict[str, Any]:
    """For an entity whose `lines` (dataclasses made by `line`) are one JSON column, a list
    of each line's fields."""
    as_dict = _fields_of(line)
    return {
        "to_columns": {"lines": lambda entity: [as_dict(each) for each in entity.lines]},
        "from_row": {"lines": lambda row: [line(**each) for each in row["lines"]]},
    }


INVOICE = RowMapper(Invoice, invoices, **_json_lines(InvoiceLine))

SAVED_PAYMENT_METHOD = RowMapper(SavedPaymentMethod, saved_payment_methods)

PORTAL_TOKEN = RowMapper(PortalToken, portal_tokens)

# What `record_use` alone writes; a save leaves it be, so a stale copy cannot undo a use.
PORTAL_TOKEN_USE = ("usage_count", "last_used_at", "last_ip", "last_user_agent")

# --------------------------------------------------------------- receipts and mail

RECEIPT = RowMapper(Receipt, receipts, **_json_lines(ReceiptLine))

OUTBOX_MAIL = RowMapper(OutboxMail, mail_outbox)

# What sending changes: its progress, and the body of a mail that carried a portal link,
# masked once it is out (OutboxMail._forget_secret); recipient and subject never change.
OUTBOX_MAIL_PROGRESS = (
    "status", "attempts", "next_attempt_at", "locked_until", "last_error", "sent_at", "body",
)  # fmt: skip

# ------------------------------------------------------------------ merchant events

MERCHANT_EVENT = RowMapper(MerchantEvent, merchant_events, supplied=("dispatched_at",))
WEBHOOK_ENDPOINT = RowMapper(
    WebhookEndpoint,
    webhook_endpoints,
    from_row={"enabled_events": lambda row: list(row["enabled_events"])},
)
EVENT_DELIVERY = RowMapper(EventDelivery, event_deliveries)
DELIVERY_ATTEMPT = RowMapper(DeliveryAttempt, delivery_attempts)

# What delivering changes; the delivery itself never does.
EVENT_DELIVERY_PROGRESS = (
    "status", "attempts", "next_attempt_at", "locked_until", "last_status_code",
    "last_error", "delivered_at",
)  # fmt: skip
