"""Mail ports: the outbox mails are written to in a transaction, and the mailer that
sends them after commit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from application.ports.repositories import Page, PageRequest
from domain.mail import MailStatus, OutboxMail


@dataclass(frozen=True, slots=True)
class MailAttachment:
    filename: str
    content_type: str  # "application/pdf"
    content: bytes


@dataclass(frozen=True, slots=True)
class MailMessage:
    recipient: str
    subject: str
    body: str
    message_id: str
    attachments: tuple[MailAttachment, ...] = field(default=())


class MailDeliveryError(Exception):
    """The mail server could not be reached or refused the mail: try again later."""


class Mailer(Protocol):
    """Hands one message to the mail system; raises MailDeliveryError when it cannot."""

    async def send(self, message: MailMessage) -> None: ...


class MailOutbox(Protocol):
    async def add(self, mail: OutboxMail) -> None: ...

    async def get(self, mail_id: str) -> OutboxMail | None: ...

    async def save(self, mail: OutboxMail) -> None:
        """Persist progress; StaleAggregateError if another sender moved it meanwhile."""
        ...

    async def claim_due(self, now: datetime, lease: timedelta, limit: int) -> Sequence[OutboxMail]:
        """Lease up to `limit` due mails (pending and due, or with an expired lease) to
        the caller, oldest first; mails another sender holds are skipped."""
        ...

    async def list(self, status: MailStatus | None, page: PageRequest) -> Page[OutboxMail]:
        """Newest first, every tenant's (an operator's view)."""
        ...
