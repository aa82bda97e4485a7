"""payments.connected_account_id: the tenant's Stripe account when the payment was made.

Revision ID: 0004
Revises: 0003
Create Date: 2026-01-04 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Captures and refunds use the account the payment was made with, not the tenant's
    # current one, so Connect fees stay with the charge that carried them.
    op.add_column("payments", sa.Column("connected_account_id", sa.Text()))


def downgrade() -> None:
    op.drop_column("payments", "connected_account_id")
