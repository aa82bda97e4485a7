"""Drop ix_payments_tenant_invoice: no query reads payments by invoice, and it misled the
planner on the charge's hot path.

The duplicate-order check (`tenant_id = … AND order_id = … AND status IN …`) went through
this index on `tenant_id` alone while the table had no statistics (a new deployment, a
bench): its all-NULL invoice column made it the smallest index of the tenant's, so every
charge read every payment of its tenant, and PostgreSQL's CPU per charge grew with the
table (2.4 → 6.7 ms over 9,300 charges in process). Without it the check uses
ix_payments_tenant_order on both columns, and every payment insert and gateway update
writes one index entry less.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29 19:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_payments_tenant_invoice", table_name="payments")


def downgrade() -> None:
    op.create_index("ix_payments_tenant_invoice", "payments", ["tenant_id", "invoice_id"])
