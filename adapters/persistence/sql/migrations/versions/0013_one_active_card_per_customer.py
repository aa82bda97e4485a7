"""uq_saved_payment_methods_active_card: a customer keeps a card (gateway payment method)
once. Two returns from the bank at once could both keep the card the customer asked to
save; the index turns the second insert into CardKeptAlreadyError, which the portal
answers with the card kept first.

Rows kept twice before this revision are folded first: of a customer's active rows for
one card the default one stays (else the oldest), the others are removed as the portal
removes a card (a soft delete). The card stays attached at the gateway, for the row that
stays keeps it. A downgrade drops the index and leaves those rows removed.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 03:00:00
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from adapters.persistence.sql.types import UtcDateTime

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_methods = sa.table(
    "saved_payment_methods",
    sa.column("id", sa.String),
    sa.column("tenant_id", sa.String),
    sa.column("customer_id", sa.String),
    sa.column("gateway_payment_method_id", sa.String),
    sa.column("is_default", sa.Boolean),
    sa.column("deleted_at", UtcDateTime()),
    sa.column("version", sa.Integer),
    sa.column("created_at", UtcDateTime()),
)


def _kept_twice() -> list[str]:
    """The ids of active rows that another active row of the same card and customer
    outranks (default first, then oldest)."""
    card = (_methods.c.tenant_id, _methods.c.customer_id, _methods.c.gateway_payment_method_id)
    rows = op.get_bind().execute(
        sa.select(_methods.c.id, *card)
        .where(_methods.c.deleted_at.is_(None))
        .order_by(*card, _methods.c.is_default.desc(), _methods.c.created_at, _methods.c.id)
    )
    seen: set[tuple[str, ...]] = set()
    folded = []
    for method_id, *key in rows:
        if (owner := tuple(key)) in seen:
            folded.append(method_id)
        seen.add(owner)
    return folded


def upgrade() -> None:
    if folded := _kept_twice():
        op.get_bind().execute(
            sa.update(_methods)
            .where(_methods.c.id.in_(folded))
            .values(
                deleted_at=datetime.now(UTC),
                is_default=False,
                version=_methods.c.version + 1,
            )
        )
    op.create_index(
        "uq_saved_payment_methods_active_card",
        "saved_payment_methods",
        ["tenant_id", "customer_id", "gateway_payment_method_id"],
        unique=True,
        sqlite_where=sa.text("deleted_at IS NULL"),
        postgresql_where=sa.text("deleted_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("uq_saved_payment_methods_active_card", table_name="saved_payment_methods")
