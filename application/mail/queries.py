"""The outbox as an operator sees it: what was sent, what waits, what gave up and why."""

from __future__ import annotations

from application.ports.repositories import Page, PageRequest
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.mail import MailStatus, OutboxMail


class ListMail:
    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    async def execute(self, status: MailStatus | None, page: PageRequest) -> Page[OutboxMail]:
        async with self._uow_factory() as uow:
            return await uow.mail.list(status, page)
