"""The SMTP mailer: `KASSA_SMTP_URL` (`smtp://user:password@host:587?from=receipts@shop.example`;
`smtps://` for TLS from the first byte; `smtp://` upgrades with STARTTLS when offered)."""

from __future__ import annotations

from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib

from application.ports.mail import MailDeliveryError, MailMessage

DEFAULT_SENDER = "kassa@localhost"


def email_message(message: MailMessage, sender: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = message.recipient
    mail["Subject"] = message.subject
    mail["Message-ID"] = message.message_id
    mail.set_content(message.body)
    for attachment in message.attachments:
        maintype, subtype = attachment.content_type.split("/", 1)
        mail.add_attachment(
            attachment.content, maintype=maintype, subtype=subtype, filename=attachment.filename
        )
    return mail


class SmtpMailer:
    def __init__(self, url: str, timeout: float = 30.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("KASSA_SMTP_URL is smtp://[user:password@]host[:port] or smtps://…")
        self._tls = parts.scheme == "smtps"
        self._host = parts.hostname
        self._port = parts.port or (465 if self._tls else 25)
        self._username = unquote(parts.username) if parts.username else None
        self._password = unquote(parts.password) if parts.password else None
        self._sender = parse_qs(parts.query).get("from", [DEFAULT_SENDER])[0]
        self._timeout = timeout

    async def send(self, message: MailMessage) -> None:
        try:
            await aiosmtplib.send(
                email_message(message, self._sender),
                hostname=self._host,
                port=self._port,
                username=self._username,
                password=self._password,
                use_tls=self._tls,
                timeout=self._timeout,
            )
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise MailDeliveryError(f"{type(exc).__name__}: {exc}") from exc
