"""kassa_expect(): the row-count check of a batch of writes sent as one statement.

A unit of work on PostgreSQL queues its writes and sends them at commit as the
data-modifying CTEs of one statement (adapters/persistence/sql/write_batch.py). Each
write that must change a known number of rows (a versioned UPDATE: exactly one) is
checked by this function in the statement's select list; a wrong count raises, and the
whole statement, every write of the batch with it, is undone.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 14:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite runs every write at once and checks its count in Python
    op.execute(
        """
        CREATE FUNCTION kassa_expect(changed bigint, wanted bigint, write_index integer)
        RETURNS bigint LANGUAGE plpgsql AS $$
        BEGIN
            IF changed <> wanted THEN
                RAISE EXCEPTION 'kassa_expect: write % changed % rows, not %',
                    write_index, changed, wanted;
            END IF;
            RETURN changed;
        END
        $$
        """
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION kassa_expect(bigint, bigint, integer)")
