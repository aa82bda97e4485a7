"""Customer portal: customers, invoices, saved payment methods, portal tokens; payments.invoice_id.

Revision ID: 0003
Revises: 0002
Create Date: 2026-01-03 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from adapters.persistence.sql.types import UtcDateTime, json_type

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = 64


def upgrade() -> None:
    # Nullable, so SQLite adds it with a plain ALTER TABLE and old rows need no value.
    op.add_column("payments", sa.Column("invoice_id", sa.String(ID)))
    op.create_index("ix_payments_tenant_invoice", "payments", ["tenant_id", "invoice_id"])

    op.create_table(
        "customers",
        sa.Column("id", sa.String(ID), nullable=False),
        sa.Column("tenant_id", sa.String(ID), nullable=False),
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("name", sa.Text()),
        sa.Column("gateway_customer_id", sa.String(255)),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_customers"),
    )
    op.create_index(
        "ix_customers_tenant_created", "customers", ["tenant_id", "created_at", "id"]
    )

    op.create_table(
        "invoices",
        sa.Column("id", sa.String(ID), nullable=False),
        sa.Column("tenant_id", sa.String(ID), nullable=False),
        sa.Column("customer_id", sa.String(ID), nullable=False),
        sa.Column("number", sa.Text(), nullable=False),
        sa.Column("currency", sa.CHAR(3), nullable=False),
        sa.Column("lines", json_type(), nullable=False),
        sa.Column("amount_paid", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("due_date", sa.Date()),
        sa.Column("payment_ids", json_type(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_invoices"),
    )
    op.create_index(
        "uq_invoices_tenant_number", "invoices", ["tenant_id", "number"], unique=True
    )
    op.create_index(
        "ix_invoices_tenant_created", "invoices", ["tenant_id", "created_at", "id"]
    )
    op.create_index(
        "ix_invoices_tenant_customer_created", "invoices",
        ["tenant_id", "customer_id", "created_at", "id"],
    )

    op.create_table(
        "saved_payment_methods",
        sa.Column("id", sa.String(ID), nullable=False),
        sa.Column("tenant_id", sa.String(ID), nullable=False),
        sa.Column("customer_id", sa.String(ID), nullable=False),
        sa.Column("gateway_payment_method_id", sa.String(255), nullable=False),
        sa.Column("brand", sa.Text(), nullable=False),
        sa.Column("last4", sa.String(4), nullable=False),
        sa.Column("exp_month", sa.Integer(), nullable=False),
        sa.Column("exp_year", sa.Integer(), nullable=False),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("deleted_at", UtcDateTime()),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_saved_payment_methods"),
    )
    op.create_index(
        "ix_saved_payment_methods_tenant_customer", "saved_payment_methods",
        ["tenant_id", "customer_id", "created_at"],
    )

    op.create_table(
        "portal_tokens",
        sa.Column("id", sa.String(ID), nullable=False),
        sa.Column("tenant_id", sa.String(ID), nullable=False),
        sa.Column("customer_id", sa.String(ID), nullable=False),
        sa.Column("invoice_id", sa.String(ID)),
        sa.Column("selector", sa.String(64), nullable=False),
        sa.Column("verifier_hash", sa.String(255), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("usage_count", sa.Integer(), nullable=False),
        sa.Column("last_used_at", UtcDateTime()),
        sa.Column("last_ip", sa.Text()),
        sa.Column("last_user_agent", sa.Text()),
        sa.Column("revoked_at", UtcDateTime()),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_portal_tokens"),
    )
    op.create_index("uq_portal_tokens_selector", "portal_tokens", ["selector"], unique=True)
    op.create_index("ix_portal_tokens_invoice_id", "portal_tokens", ["invoice_id"])
    op.create_index(
        "ix_portal_tokens_tenant_customer_created", "portal_tokens",
        ["tenant_id", "customer_id", "created_at"],
    )


def downgrade() -> None:
    op.drop_table("portal_tokens")
    op.drop_table("saved_payment_methods")
    op.drop_table("invoices")
    op.drop_table("customers")
    op.drop_index("ix_payments_tenant_invoice", table_name="payments")
    # SQLite (before 3.35) cannot drop a column in place: batch mode copies the table.
    with op.batch_alter_table("payments") as batch:
        batch.drop_column("invoice_id")
