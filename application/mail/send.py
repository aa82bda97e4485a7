"""Send what the outbox holds, after the transactions that wrote it have committed."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from application.ports.mail import (
    MailAttachment,
    MailDeliveryError,
    Mailer,
    MailMessage,
)
from application.ports.receipts import ReceiptRenderer
from application.ports.system import Clock
from application.ports.unit_of_work import UnitOfWorkFactory
from application.receipts.queries import receipt_document
from domain.mail import OutboxMail

log = logging.getLogger("kassa.mail")


@dataclass(frozen=True, slots=True)
class MailRound:
    sent: int
    failed: int


class SendOutboxMail:
    """One round: lease the due mails (committed at once, so two senders never take the
    same mail), send each, record each outcome. A failure is retried with backoff
    (`OutboxMail.failed`); a sender that dies mid-round leaves its mails to be taken
    again when the lease ends. Every attempt carries the same Message-ID."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        mailer: Mailer,
        renderer: ReceiptRenderer,
        clock: Clock,
        lease: timedelta = timedelta(minutes=2),
        batch: int = 20,
    ) -> None:
        self._uow_factory = uow_factory
        self._mailer = mailer
        self._renderer = renderer
        self._clock = clock
        self._lease = lease
        self._batch = batch

    async def execute(self) -> MailRound:
        async with self._uow_factory() as uow:
            claimed = await uow.mail.claim_due(self._clock.now(), self._lease, self._batch)
            await uow.commit()
        sent = failed = 0
        for mail in claimed:
            try:
                await self._mailer.send(await self._message(mail))
            except MailDeliveryError as exc:
                failed += 1
                log.warning(
                    "Mail %s not sent (attempt %d): %s",
                    mail.id,
                    mail.attempts + 1,
                    exc,
                    extra={"mail_id": mail.id, "tenant_id": mail.tenant_id},
                )
                mail.failed(str(exc), self._clock.now())
            else:
                sent += 1
                mail.sent(self._clock.now())
            async with self._uow_factory() as uow:
                await uow.mail.save(mail)
                await uow.commit()
        return MailRound(sent, failed)

    async def _message(self, mail: OutboxMail) -> MailMessage:
        attachments: tuple[MailAttachment, ...] = ()
        if mail.receipt_id is not None:
            async with self._uow_factory() as uow:
                receipt = await uow.receipts.get(mail.receipt_id)
                if receipt is None:
                    raise MailDeliveryError(f"Receipt {mail.receipt_id} is missing.")
                document = await receipt_document(uow, receipt.tenant_id, receipt.payment_id)
            pdf = self._renderer.pdf(document)
            name = f"{document.receipt.number}.pdf"
            attachments = (MailAttachment(name, "application/pdf", pdf),)
        return MailMessage(
            recipient=mail.recipient,
            subject=mail.subject,
            body=mail.body,
            message_id=mail.message_id,
            attachments=attachments,
        )
