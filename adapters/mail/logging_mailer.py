"""The default mailer: says in the log that a mail would go out, never what it says."""

from __future__ import annotations

import logging

from adapters.mail.smtp import SmtpMailer
from application.ports.mail import MailMessage

log = logging.getLogger("kassa.mail")


class LoggingMailer:
    """No SMTP server configured (KASSA_SMTP_URL unset): nothing leaves the process."""

    async def send(self, message: MailMessage) -> None:
        log.info(
            "Mail not sent (no KASSA_SMTP_URL): %s, %d attachment(s)",
            message.message_id,
            len(message.attachments),
        )


def mailer_for(smtp_url: str | None) -> SmtpMailer | LoggingMailer:
    """The SMTP mailer when a server is configured, else the log-only one."""
    return SmtpMailer(smtp_url) if smtp_url else LoggingMailer()
