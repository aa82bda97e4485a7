"""A mail in the outbox: written in the transaction that decided to send it, sent after
commit, retried with backoff, so an SMTP outage neither loses nor doubles it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from domain.portal_token import mask_tokens

MAX_MAIL_ATTEMPTS = 10
FIRST_MAIL_RETRY = timedelta(seconds=10)
LONGEST_MAIL_RETRY = timedelta(hours=1)


class MailStatus(StrEnum):
    PENDING = "pending"  # waiting for its first or next attempt
    SENDING = "sending"  # leased by a sender until `locked_until`
    SENT = "sent"
    DEAD = "dead"  # gave up after MAX_MAIL_ATTEMPTS; `kassa mail list` shows why


class MailKind(StrEnum):
    RECEIPT = "receipt"
    PORTAL_LINK = "portal_link"

    @property
    def carries_secret(self) -> bool:
        """A portal link mail holds the link itself, a credential: its body is kept in
        clear only until it is sent or given up on."""
        return self is MailKind.PORTAL_LINK


def mail_retry_delay(attempts: int) -> timedelta:
    """10 s doubling per failed attempt, capped at 1 h."""
    return min(FIRST_MAIL_RETRY * (1 << max(attempts - 1, 0)), LONGEST_MAIL_RETRY)


@dataclass(eq=False, slots=True)
class OutboxMail:
    id: str
    tenant_id: str
    kind: MailKind
    recipient: str
    subject: str
    body: str
    created_at: datetime
    next_attempt_at: datetime
    receipt_id: str | None = None  # a receipt mail carries the receipt's PDF
    status: MailStatus = MailStatus.PENDING
    attempts: int = 0
    locked_until: datetime | None = None
    last_error: str | None = None
    sent_at: datetime | None = None
    version: int = 0

    def is_due(self, now: datetime) -> bool:
        if self.status is MailStatus.PENDING:
            return self.next_attempt_at <= now
        return (
            self.status is MailStatus.SENDING
            and self.locked_until is not None
            and self.locked_until <= now
        )

    def claim(self, now: datetime, lease: timedelta) -> None:
        """Leased to one sender; a sender that dies leaves it due again when the lease ends."""
        self.status = MailStatus.SENDING
        self.locked_until = now + lease

    def sent(self, now: datetime) -> None:
        self.status = MailStatus.SENT
        self.attempts += 1
        self.sent_at = now
        self.locked_until = None
        self.last_error = None
        self._forget_secret()

    def failed(self, error: str, now: datetime) -> None:
        self.attempts += 1
        self.last_error = error[:500]
        self.locked_until = None
        if self.attempts >= MAX_MAIL_ATTEMPTS:
            self.status = MailStatus.DEAD
            self._forget_secret()
        else:
            self.status = MailStatus.PENDING
            self.next_attempt_at = now + mail_retry_delay(self.attempts)

    def _forget_secret(self) -> None:
        """Once the mail is out (or never will be), the link in it has no business at rest."""
        if self.kind.carries_secret:
            self.body = mask_tokens(self.body)

    @property
    def shown_body(self) -> str:
        """The body as an operator may see it: a link that still waits to go out, masked."""
        return mask_tokens(self.body) if self.kind.carries_secret else self.body

    @property
    def message_id(self) -> str:
        """The same Message-ID on every attempt, so a mail server can drop a repeat."""
        return f"<{self.id}@kassa>"
