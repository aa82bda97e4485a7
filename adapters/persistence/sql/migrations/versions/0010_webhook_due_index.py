"""The consumer's claim reads due events through a partial index, in claim order.

The old index on (status, next_attempt_at) could not serve `ORDER BY next_attempt_at,
received_at, id, gateway` across three statuses, so each claim scanned and sorted the
whole inbox. The new one holds only the events waiting for a try or leased, in that
order; a lease's expiry becomes its next_attempt_at (WebhookEvent.claim), so leases
already running are brought in line here.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WAITING = sa.text("status IN ('pending', 'failed', 'processing')")


def upgrade() -> None:
    op.execute(
        "UPDATE webhook_events SET next_attempt_at = locked_until "
        "WHERE status = 'processing' AND locked_until IS NOT NULL"
    )
    op.drop_index("ix_webhook_events_due", table_name="webhook_events")
    op.create_index(
        "ix_webhook_events_due_at",
        "webhook_events",
        ["next_attempt_at", "received_at", "id", "gateway"],
        postgresql_where=_WAITING,
        sqlite_where=_WAITING,
    )


def downgrade() -> None:
    op.drop_index("ix_webhook_events_due_at", table_name="webhook_events")
    op.create_index("ix_webhook_events_due", "webhook_events", ["status", "next_attempt_at"])
