"""The schema, in SQLAlchemy Core: money as BIGINT minor units plus a CHAR(3) currency."""

from __future__ import annotations

from sqlalchemy import (
    CHAR,
    BigInteger,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    false,
    literal_column,
)

from adapters.persistence.sql.types import UtcDateTime, json_type

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

ID = 64  # our ids (prefixed ULIDs are 30 characters); free text from callers is Text

payments = Table(
    "payments",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("tenant_id", String(ID), nullable=False),
    Column("order_id", Text, nullable=False),
    Column("customer_id", Text),
    Column("invoice_id", String(ID)),
    Column("amount", BigInteger, nullable=False),
    Column("currency", CHAR(3), nullable=False),
    Column("capture_method", String(16), nullable=False),
    Column("status", String(32), nullable=False),
    Column("refund_status", String(16), nullable=False),  # derived, kept for queries
    Column("dispute_status", String(16), nullable=False),
    Column("dispute_amount", BigInteger, nullable=False),
    Column("payment_method", Text),
    Column("description", Text),
    Column("metadata", json_type(), nullable=False),
    Column("amount_capturable", BigInteger, nullable=False),
    Column("amount_captured", BigInteger, nullable=False),
    Column("amount_refunded", BigInteger, nullable=False),  # derived, kept for queries
    Column("captured_at", UtcDateTime()),
    Column("fee_terms", json_type()),
    Column("platform_fee", BigInteger, nullable=False),
    Column("gateway_fee", BigInteger, nullable=False),
    Column("gateway_fee_source", String(16), nullable=False),
    Column("gateway", String(32), nullable=False),
    Column("connected_account_id", Text),
    Column("gateway_payment_id", String(255)),
    Column("gateway_charge_id", String(255)),
    Column("client_secret", String(255)),
    Column("next_action", json_type()),
    Column("failure_code", Text),
    Column("failure_message", Text),
    Column("decline_code", Text),
    Column("cancellation_reason", Text),
    Column("outcome_unknown", Boolean, nullable=False),
    Column("exclusive", Boolean, nullable=False, server_default=false()),
    Column("order_claim", Boolean, nullable=False, server_default=false()),
    Column("version", Integer, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)
# Duplicate-payment prevention as a constraint: one claim per tenant and order (SPEC §3).
Index(
    "uq_payments_order_claim",
    payments.c.tenant_id,
    payments.c.order_id,
    unique=True,
    sqlite_where=payments.c.order_claim,
    postgresql_where=payments.c.order_claim,
)
Index("ix_payments_tenant_created", payments.c.tenant_id, payments.c.created_at, payments.c.id)
Index("ix_payments_tenant_order", payments.c.tenant_id, payments.c.order_id)
Index("uq_payments_gateway_payment_id", payments.c.gateway_payment_id, unique=True)

refunds = Table(
    "refunds",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column(
        "payment_id",
        String(ID),
        ForeignKey("payments.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("position", Integer, nullable=False),  # order within the payment's refund list
    Column("amount", BigInteger, nullable=False),
    Column("currency", CHAR(3), nullable=False),
    Column("platform_fee_reversed", BigInteger, nullable=False),
    Column("reason", Text),
    Column("status", String(16), nullable=False),
    Column("gateway_refund_id", String(255)),
    Column("failure_reason", Text),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)
Index("ix_refunds_payment_id", refunds.c.payment_id)
Index(
    "uq_refunds_gateway_refund_id",
    refunds.c.gateway_refund_id,
    unique=True,
    sqlite_where=refunds.c.gateway_refund_id.is_not(None),
    postgresql_where=refunds.c.gateway_refund_id.is_not(None),
)

tenants = Table(
    "tenants",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("name", String(255), nullable=False),
    Column("fee_tier", String(32), nullable=False),
    Column("fee_override", json_type()),
    Column("connected_account_id", String(255)),
    Column("status", String(16), nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

fee_tiers = Table(
    "fee_tiers",
    metadata,
    Column("code", String(32), primary_key=True),
    Column("name", String(255), nullable=False),
    Column("level", Integer, nullable=False),
    Column("percentage_bps", Integer, nullable=False),
    Column("fixed_amounts", json_type(), nullable=False),
    Column("version", Integer, nullable=False),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("tenant_id", String(ID), primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("fingerprint", Text, nullable=False),
    Column("state", String(16), nullable=False),
    Column("payment_id", String(ID)),
    Column("response_status", Integer),
    Column("response_body", LargeBinary),
    Column("version", Integer, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("locked_until", UtcDateTime(), nullable=False),
)
Index("ix_idempotency_keys_expires_at", idempotency_keys.c.expires_at)

audit_entries = Table(
    "audit_entries",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("tenant_id", String(ID)),  # None: a platform-wide action
    Column("actor_kind", String(16), nullable=False),
    Column("actor_id", Text, nullable=False),
    Column("ip", Text),
    Column("user_agent", Text),
    Column("request_id", Text),
    Column("action", Text, nullable=False),
    Column("entity_type", String(64), nullable=False),
    Column("entity_id", String(255), nullable=False),
    Column("details", json_type(), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)
Index(
    "ix_audit_entries_tenant_created",
    audit_entries.c.tenant_id,
    audit_entries.c.created_at,
    audit_entries.c.id,
)
Index("ix_audit_entries_entity_id", audit_entries.c.entity_id)

webhook_events = Table(
    "webhook_events",
    metadata,
    # The gateway's event id: gateways number their events independently, so the key
    # is (id, gateway) and `evt_1` from Stripe never shadows the fake gateway's `evt_1`.
    Column("id", String(255), primary_key=True),
    Column("gateway", String(32), primary_key=True),
    Column("type", String(255), nullable=False),
    Column("payload", LargeBinary, nullable=False),  # the raw body, byte for byte
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UtcDateTime(), nullable=False),
    Column("locked_until", UtcDateTime()),
    Column("last_error", Text),
    Column("received_at", UtcDateTime(), nullable=False),
    Column("processed_at", UtcDateTime()),
    Column("version", Integer, nullable=False),
)
# The events a consumer may claim: waiting for a try, or leased (a lease's expiry is its
# next_attempt_at). The statuses are literals, never bound parameters: only then can
# SQLite and PostgreSQL's generic plans prove that a query matches the partial index.
WEBHOOK_EVENTS_WAITING = webhook_events.c.status.in_(
    [literal_column(f"'{status}'") for status in ("pending", "failed", "processing")]
)
# The consumer's claim reads the due events in this order straight from the index: its
# cost does not grow with the backlog, and done events are not in it at all.
Index(
    "ix_webhook_events_due_at",
    webhook_events.c.next_attempt_at,
    webhook_events.c.received_at,
    webhook_events.c.id,
    webhook_events.c.gateway,
    postgresql_where=WEBHOOK_EVENTS_WAITING,
    sqlite_where=WEBHOOK_EVENTS_WAITING,
)
# Listing newest first (id breaks ties, as in the cursor).
Index("ix_webhook_events_received_at", webhook_events.c.received_at, webhook_events.c.id)

customers = Table(
    "customers",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("tenant_id", String(ID), nullable=False),
    Column("email", Text, nullable=False),
    Column("name", Text),
    Column("gateway_customer_id", String(255)),
    Column("version", Integer, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)
Index("ix_customers_tenant_created", customers.c.tenant_id, customers.c.created_at, customers.c.id)

invoices = Table(
    "invoices",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("tenant_id", String(ID), nullable=False),
    Column("customer_id", String(ID), nullable=False),
    Column("number", Text, nullable=False),
    Column("currency", CHAR(3), nullable=False),
    Column("lines", json_type(), nullable=False),  # [{description, quantity, unit_amount}]
    Column("amount_paid", BigInteger, nullable=False),
    Column("status", String(16), nullable=False),
    Column("due_date", Date),
    Column("payment_ids", json_type(), nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)
# The tenant's numbers are unique; adding a taken one is refused without an error raised
# inside the transaction (ON CONFLICT DO NOTHING), so the unit of work can go on.
Index("uq_invoices_tenant_number", invoices.c.tenant_id, invoices.c.number, unique=True)
Index("ix_invoices_tenant_created", invoices.c.tenant_id, invoices.c.created_at, invoices.c.id)
Index(
    "ix_invoices_tenant_customer_created",
    invoices.c.tenant_id,
    invoices.c.customer_id,
    invoices.c.created_at,
    invoices.c.id,
)

saved_payment_methods = Table(
    "saved_payment_methods",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("tenant_id", String(ID), nullable=False),
    Column("customer_id", String(ID), nullable=False),
    Column("gateway_payment_method_id", String(255), nullable=False),
    Column("brand", Text, nullable=False),
    Column("last4", String(4), nullable=False),
    Column("exp_month", Integer, nullable=False),
    Column("exp_year", Integer, nullable=False),
    Column("is_default", Boolean, nullable=False),
    Column("deleted_at", UtcDateTime()),  # removal is a soft delete
    Column("version", Integer, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)
Index(
    "ix_saved_payment_methods_tenant_customer",
    saved_payment_methods.c.tenant_id,
    saved_payment_methods.c.customer_id,
    saved_payment_methods.c.created_at,
)
# One active saved method per card and customer: two returns from the bank at once keep it once.
Index(
    "uq_saved_payment_methods_active_card",
    saved_payment_methods.c.tenant_id,
    saved_payment_methods.c.customer_id,
    saved_payment_methods.c.gateway_payment_method_id,
    unique=True,
    sqlite_where=saved_payment_methods.c.deleted_at.is_(None),
    postgresql_where=saved_payment_methods.c.deleted_at.is_(None),
)

portal_tokens = Table(
    "portal_tokens",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("tenant_id", String(ID), nullable=False),
    Column("customer_id", String(ID), nullable=False),
    Column("invoice_id", String(ID)),
    Column("selector", String(64), nullable=False),  # in clear, to find the row
    Column("verifier_hash", String(255), nullable=False),  # bcrypt(verifier)
    Column("status", String(16), nullable=False),
    Column("usage_count", Integer, nullable=False),
    Column("last_used_at", UtcDateTime()),
    Column("last_ip", Text),
    Column("last_user_agent", Text),
    Column("revoked_at", UtcDateTime()),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)
Index("uq_portal_tokens_selector", portal_tokens.c.selector, unique=True)
Index("ix_portal_tokens_invoice_id", portal_tokens.c.invoice_id)
Index(
    "ix_portal_tokens_tenant_customer_created",
    portal_tokens.c.tenant_id,
    portal_tokens.c.customer_id,
    portal_tokens.c.created_at,
)

receipts = Table(
    "receipts",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("tenant_id", String(ID), nullable=False),
    Column("payment_id", String(ID), nullable=False),
    Column("number", String(32), nullable=False),  # R-{YYYY}-{sequence:06d}
    Column("merchant_name", Text, nullable=False),
    Column("currency", CHAR(3), nullable=False),
    Column("lines", json_type(), nullable=False),  # [{description, quantity, unit_amount}]
    Column("total", BigInteger, nullable=False),
    Column("invoice_number", Text),
    Column("customer_email", Text),
    Column("customer_name", Text),
    Column("card_brand", Text),
    Column("card_last4", String(4)),
    Column("issued_at", UtcDateTime(), nullable=False),
)
# One receipt per payment, and a tenant's numbers are unique: the last word on "exactly
# once" and "no number twice", whatever the counter does.
Index("uq_receipts_payment_id", receipts.c.payment_id, unique=True)
Index("uq_receipts_tenant_number", receipts.c.tenant_id, receipts.c.number, unique=True)

# The last receipt number taken per tenant and year: one row, updated in the transaction
# that issues the receipt, so a rollback gives the number back (a sequence would not).
receipt_counters = Table(
    "receipt_counters",
    metadata,
    Column("tenant_id", String(ID), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("last_sequence", Integer, nullable=False),
)

mail_outbox = Table(
    "mail_outbox",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("tenant_id", String(ID), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("recipient", Text, nullable=False),
    Column("subject", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("receipt_id", String(ID)),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UtcDateTime(), nullable=False),
    Column("locked_until", UtcDateTime()),
    Column("last_error", Text),
    Column("sent_at", UtcDateTime()),
    Column("version", Integer, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)
# The sender's claim: due mails by status and time; listing newest first.
Index("ix_mail_outbox_due", mail_outbox.c.status, mail_outbox.c.next_attempt_at)
Index("ix_mail_outbox_created", mail_outbox.c.created_at, mail_outbox.c.id)

# ------------------------------------------------------------- merchant events (§14)

merchant_events = Table(
    "merchant_events",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("tenant_id", String(ID), nullable=False),
    Column("type", String(64), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("body", Text, nullable=False),
    Column("dispatched_at", UtcDateTime()),  # fanned out to the endpoints of the time
)
# The API's list, newest first per tenant; the workers' fan-out, oldest first.
Index(
    "ix_merchant_events_tenant_created",
    merchant_events.c.tenant_id,
    merchant_events.c.created_at,
    merchant_events.c.id,
)
Index(
    "ix_merchant_events_undispatched",
    merchant_events.c.created_at,
    postgresql_where=merchant_events.c.dispatched_at.is_(None),
    sqlite_where=merchant_events.c.dispatched_at.is_(None),
)

webhook_endpoints = Table(
    "webhook_endpoints",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("tenant_id", String(ID), nullable=False),
    Column("url", Text, nullable=False),
    Column("secret", Text, nullable=False),
    Column("previous_secret", Text),
    Column("previous_secret_expires_at", UtcDateTime()),
    Column("enabled_events", json_type(), nullable=False),
    Column("description", Text),
    Column("disabled", Boolean, nullable=False),
    Column("disabled_reason", Text),
    Column("failing_since", UtcDateTime()),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("version", Integer, nullable=False),
)
Index("ix_webhook_endpoints_tenant", webhook_endpoints.c.tenant_id, webhook_endpoints.c.created_at)

event_deliveries = Table(
    "event_deliveries",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("tenant_id", String(ID), nullable=False),
    Column("event_id", String(ID), nullable=False),
    Column("endpoint_id", String(ID), nullable=False),
    Column("event_type", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UtcDateTime(), nullable=False),
    Column("locked_until", UtcDateTime()),
    Column("last_status_code", Integer),
    Column("last_error", Text),
    Column("delivered_at", UtcDateTime()),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("version", Integer, nullable=False),
)
Index("ix_event_deliveries_due", event_deliveries.c.status, event_deliveries.c.next_attempt_at)
Index(
    "ix_event_deliveries_endpoint",
    event_deliveries.c.endpoint_id,
    event_deliveries.c.created_at,
    event_deliveries.c.id,
)
Index("ix_event_deliveries_event", event_deliveries.c.event_id)

delivery_attempts = Table(
    "delivery_attempts",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("delivery_id", String(ID), nullable=False),
    Column("tenant_id", String(ID), nullable=False),
    Column("endpoint_id", String(ID), nullable=False),
    Column("event_id", String(ID), nullable=False),
    Column("attempted_at", UtcDateTime(), nullable=False),
    Column("status_code", Integer),
    Column("latency_ms", Integer, nullable=False),
    Column("error", Text),
)
Index(
    "ix_delivery_attempts_delivery",
    delivery_attempts.c.delivery_id,
    delivery_attempts.c.attempted_at,
)
Index("ix_delivery_attempts_event", delivery_attempts.c.event_id)
