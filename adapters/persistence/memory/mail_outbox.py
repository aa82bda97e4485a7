"""The in-memory mail outbox: staged with the unit of work like every other write."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from adapters.persistence.memory.pagination import paginate
from adapters.persistence.memory.repositories import Staging, fresh_copy, versioned_save
from application.ports.repositories import Page, PageRequest
from domain.mail import MailStatus, OutboxMail


class InMemoryMailOutbox:
    def __init__(self, staging: Staging) -> None:
        self._s = staging
        self._table = staging.store.mail_outbox

    async def add(self, mail: OutboxMail) -> None:
        self._s.put(self._table, mail.id, mail, None)

    async def get(self, mail_id: str) -> OutboxMail | None:
        return fresh_copy(self._table.get(mail_id))

    async def save(self, mail: OutboxMail) -> None:
        versioned_save(self._s, self._table, mail.id, mail)

    async def claim_due(self, now: datetime, lease: timedelta, limit: int) -> Sequence[OutboxMail]:
        due = sorted(
            (m for m in self._table.values() if m.is_due(now)),
            key=lambda m: (m.next_attempt_at, m.created_at, m.id),
        )[: max(limit, 0)]
        claimed = []
        for found in due:
            mail = fresh_copy(found)
            assert mail is not None
            mail.claim(now, lease)
            versioned_save(self._s, self._table, mail.id, mail)
            claimed.append(mail)
        return claimed

    async def list(self, status: MailStatus | None, page: PageRequest) -> Page[OutboxMail]:
        newest = sorted(self._table.values(), key=lambda m: (m.created_at, m.id), reverse=True)
        rows = [m for m in newest if status is None or m.status is status]
        return paginate(rows, page, key=lambda m: m.id, owned=newest)
