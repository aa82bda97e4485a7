"""Payments core: payments, refunds, tenants, fee tiers (seeded), idempotency keys.

Revision ID: 0001
Revises:
Create Date: 2026-01-01 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from adapters.persistence.sql.types import UtcDateTime, json_type

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = 64

# Frozen here on purpose: later edits to domain.fees.SEED_TIERS must not rewrite history.
SEED_TIERS = [
    {"code": "starter", "name": "Starter", "level": 1, "percentage_bps": 300},
    {"code": "professional", "name": "Professional", "level": 2, "percentage_bps": 150},
    {"code": "enterprise", "name": "Enterprise", "level": 3, "percentage_bps": 50},
]


def upgrade() -> None:
    op.create_table(
        "payments",
        sa.Column("id", sa.String(ID), nullable=False),
        sa.Column("tenant_id", sa.String(ID), nullable=False),
        sa.Column("order_id", sa.Text(), nullable=False),
        sa.Column("customer_id", sa.Text()),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.CHAR(3), nullable=False),
        sa.Column("capture_method", sa.String(16), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("refund_status", sa.String(16), nullable=False),
        sa.Column("dispute_status", sa.String(16), nullable=False),
        sa.Column("dispute_amount", sa.BigInteger(), nullable=False),
        sa.Column("payment_method", sa.Text()),
        sa.Column("description", sa.Text()),
        sa.Column("metadata", json_type(), nullable=False),
        sa.Column("amount_capturable", sa.BigInteger(), nullable=False),
        sa.Column("amount_captured", sa.BigInteger(), nullable=False),
        sa.Column("amount_refunded", sa.BigInteger(), nullable=False),
        sa.Column("captured_at", UtcDateTime()),
        sa.Column("fee_terms", json_type()),
        sa.Column("platform_fee", sa.BigInteger(), nullable=False),
        sa.Column("gateway_fee", sa.BigInteger(), nullable=False),
        sa.Column("gateway_fee_source", sa.String(16), nullable=False),
        sa.Column("gateway", sa.String(32), nullable=False),
        sa.Column("gateway_payment_id", sa.String(255)),
        sa.Column("gateway_charge_id", sa.String(255)),
        sa.Column("client_secret", sa.String(255)),
        sa.Column("next_action", json_type()),
        sa.Column("failure_code", sa.Text()),
        sa.Column("failure_message", sa.Text()),
        sa.Column("decline_code", sa.Text()),
        sa.Column("cancellation_reason", sa.Text()),
        sa.Column("outcome_unknown", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_payments"),
    )
    op.create_index(
        "ix_payments_tenant_created", "payments", ["tenant_id", "created_at", "id"]
    )
    op.create_index("ix_payments_tenant_order", "payments", ["tenant_id", "order_id"])
    op.create_index(
        "uq_payments_gateway_payment_id", "payments", ["gateway_payment_id"], unique=True
    )

    op.create_table(
        "refunds",
        sa.Column("id", sa.String(ID), nullable=False),
        sa.Column("payment_id", sa.String(ID), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.CHAR(3), nullable=False),
        sa.Column("platform_fee_reversed", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.Text()),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("gateway_refund_id", sa.String(255)),
        sa.Column("failure_reason", sa.Text()),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_refunds"),
        sa.ForeignKeyConstraint(
            ["payment_id"], ["payments.id"],
            name="fk_refunds_payment_id_payments", ondelete="CASCADE",
        ),
    )
    op.create_index("ix_refunds_payment_id", "refunds", ["payment_id"])
    op.create_index(
        "uq_refunds_gateway_refund_id", "refunds", ["gateway_refund_id"], unique=True,
        sqlite_where=sa.text("gateway_refund_id IS NOT NULL"),
        postgresql_where=sa.text("gateway_refund_id IS NOT NULL"),
    )

    op.create_table(
        "tenants",
        sa.Column("id", sa.String(ID), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("fee_tier", sa.String(32), nullable=False),
        sa.Column("fee_override", json_type()),
        sa.Column("connected_account_id", sa.String(255)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_tenants"),
    )

    fee_tiers = op.create_table(
        "fee_tiers",
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("percentage_bps", sa.Integer(), nullable=False),
        sa.Column("fixed_amounts", json_type(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("code", name="pk_fee_tiers"),
    )
    op.bulk_insert(fee_tiers, [{**tier, "fixed_amounts": {}, "version": 0} for tier in SEED_TIERS])

    op.create_table(
        "idempotency_keys",
        sa.Column("tenant_id", sa.String(ID), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("fingerprint", sa.Text(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("payment_id", sa.String(ID)),
        sa.Column("response_status", sa.Integer()),
        sa.Column("response_body", sa.LargeBinary()),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.Column("locked_until", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "key", name="pk_idempotency_keys"),
    )
    op.create_index("ix_idempotency_keys_expires_at", "idempotency_keys", ["expires_at"])


def downgrade() -> None:
    op.drop_table("idempotency_keys")
    op.drop_table("fee_tiers")
    op.drop_table("tenants")
    op.drop_table("refunds")
    op.drop_table("payments")
