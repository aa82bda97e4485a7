"""webhook_events keyed by (id, gateway): event ids are unique per gateway, not globally.

Each gateway numbers its events on its own, so with the id alone as the key an event
posted first through one gateway made another gateway's genuine event of the same id a
"duplicate" (SPEC §6). Existing events keep their rows; the key only widens.

Downgrading fails while two gateways share an event id: the narrower key cannot hold both.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 00:00:01
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    _key_on(["id", "gateway"])


def downgrade() -> None:
    _key_on(["id"])


def _key_on(columns: list[str]) -> None:
    # PostgreSQL alters the constraint in place; SQLite copies the table (batch mode).
    with op.batch_alter_table("webhook_events") as batch:
        batch.drop_constraint("pk_webhook_events", type_="primary")
        batch.create_primary_key("pk_webhook_events", columns)
