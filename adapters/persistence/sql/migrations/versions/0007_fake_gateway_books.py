"""The fake gateway's books in tables of its own (`fake_gateway_*`), so every Kassa process
on the database sees one gateway and a restart keeps it (SPEC §13).

These tables are the other side of the wire, as Stripe's servers would be: Kassa's own code
never reads them. They stay empty while the gateway is Stripe.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from adapters.persistence.sql.types import UtcDateTime, json_type

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BOOKS = {
    "fake_gateway_intents": ("kassa_payment_id", "charge_id"),
    "fake_gateway_refunds": ("intent_id",),
    "fake_gateway_disputes": ("intent_id",),
    "fake_gateway_customers": (),
    "fake_gateway_payment_methods": ("customer_id",),
}


def upgrade() -> None:
    for name, lookups in _BOOKS.items():
        op.create_table(
            name,
            sa.Column("id", sa.String(64), nullable=False),
            *(sa.Column(column, sa.String(64), nullable=True) for column in lookups),
            sa.Column("created_at", UtcDateTime(), nullable=False),
            sa.Column("data", json_type(), nullable=False),
            sa.PrimaryKeyConstraint("id", name=f"pk_{name}"),
        )
        for column in lookups:
            op.create_index(f"ix_{name}_{column}", name, [column])
    op.create_index("ix_fake_gateway_intents_created_at", "fake_gateway_intents", ["created_at"])
    op.create_table(
        "fake_gateway_events",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("type", sa.String(100), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("delivered_at", UtcDateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", UtcDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("seq", name="pk_fake_gateway_events"),
        sa.UniqueConstraint("id", name="uq_fake_gateway_events_id"),
    )
    op.create_index("ix_fake_gateway_events_delivered_at", "fake_gateway_events", ["delivered_at"])
    op.create_table(
        "fake_gateway_idempotency_keys",
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("operation", sa.String(64), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("result", json_type(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_fake_gateway_idempotency_keys"),
    )


def downgrade() -> None:
    op.drop_table("fake_gateway_idempotency_keys")
    op.drop_index("ix_fake_gateway_events_delivered_at", table_name="fake_gateway_events")
    op.drop_table("fake_gateway_events")
    op.drop_index("ix_fake_gateway_intents_created_at", table_name="fake_gateway_intents")
    for name, lookups in reversed(_BOOKS.items()):
        for column in lookups:
            op.drop_index(f"ix_{name}_{column}", table_name=name)
        op.drop_table(name)
