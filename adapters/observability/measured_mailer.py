"""A mailer that counts what it sends and what fails for /metrics, and otherwise is the
mailer it wraps."""

from __future__ import annotations

from adapters.observability.metrics import mails
from application.ports.mail import MailDeliveryError, Mailer, MailMessage


class MeasuredMailer:
    def __init__(self, inner: Mailer) -> None:
        self._inner = inner

    async def send(self, message: MailMessage) -> None:
        try:
            await self._inner.send(message)
        except MailDeliveryError:
            mails.labels("failed").inc()
            raise
        mails.labels("sent").inc()
