"""payments.order_claim: duplicate-payment prevention as a database constraint.

A payment taken without `allow_additional` claims its order from the moment it goes to
the gateway until it fails, is canceled or is fully refunded; a partial unique index
lets one payment per tenant and order hold that claim, so two concurrent requests can
never both pass (SPEC §3). Existing payments start unclaimed.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("payments") as batch:
        batch.add_column(
            sa.Column("exclusive", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(
            sa.Column("order_claim", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_index(
        "uq_payments_order_claim",
        "payments",
        ["tenant_id", "order_id"],
        unique=True,
        sqlite_where=sa.text("order_claim"),
        postgresql_where=sa.text("order_claim"),
    )


def downgrade() -> None:
    op.drop_index("uq_payments_order_claim", table_name="payments")
    with op.batch_alter_table("payments") as batch:
        batch.drop_column("order_claim")
        batch.drop_column("exclusive")
