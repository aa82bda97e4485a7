"""The SQL mail outbox: written in the deciding transaction, leased to one sender at a time."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, or_, select

from adapters.persistence.sql.leases import claim_leased
from adapters.persistence.sql.mapping import OUTBOX_MAIL, OUTBOX_MAIL_PROGRESS
from adapters.persistence.sql.pagination import newest_first_page
from adapters.persistence.sql.statements import WriteSource, new_row, update_versioned
from adapters.persistence.sql.tables import mail_outbox
from application.ports.repositories import Page, PageRequest
from domain.mail import MailStatus, OutboxMail

_mail = mail_outbox.c


def _is_due(now: datetime) -> ColumnElement[bool]:
    return or_(
        and_(_mail.status == MailStatus.PENDING.value, _mail.next_attempt_at <= now),
        and_(_mail.status == MailStatus.SENDING.value, _mail.locked_until <= now),
    )


class SqlMailOutbox:
    def __init__(self, source: WriteSource) -> None:
        self._source = source

    async def add(self, mail: OutboxMail) -> None:
        """With the unit of work's other writes (a receipt's mail goes in the statement
        that takes the receipt's number, and carries it)."""
        row = OUTBOX_MAIL.to_row(mail)
        await self._source.write(
            new_row(self._source.dialect, mail_outbox, row, ["id"], f"Mail {mail.id}")
        )

    async def get(self, mail_id: str) -> OutboxMail | None:
        conn = await self._source.connection()
        row = (
            (await conn.execute(select(mail_outbox).where(_mail.id == mail_id)))
            .mappings()
            .one_or_none()
        )
        return OUTBOX_MAIL.from_row(row) if row is not None else None

    async def save(self, mail: OutboxMail) -> None:
        conn = await self._source.connection()
        row = OUTBOX_MAIL.to_row(mail)
        progress = {name: row[name] for name in OUTBOX_MAIL_PROGRESS}
        await update_versioned(
            conn, mail_outbox, {"id": mail.id}, progress, mail, f"Mail {mail.id}"
        )

    async def claim_due(self, now: datetime, lease: timedelta, limit: int) -> Sequence[OutboxMail]:
        conn = await self._source.connection()
        order = (_mail.next_attempt_at, _mail.created_at, _mail.id)
        return await claim_leased(
            conn, mail_outbox, OUTBOX_MAIL, due=_is_due(now), order_by=order, limit=limit,
            now=now, lease=lease,
        )  # fmt: skip

    async def list(self, status: MailStatus | None, page: PageRequest) -> Page[OutboxMail]:
        conn = await self._source.connection()
        scope = [] if status is None else [_mail.status == status.value]
        found = await newest_first_page(conn, mail_outbox, scope, _mail.created_at, page, owner=[])
        return Page([OUTBOX_MAIL.from_row(row) for row in found.data], found.has_more)
