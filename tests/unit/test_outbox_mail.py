"""An outbox mail's life: retried with backoff, given up on after MAX_MAIL_ATTEMPTS; a
portal link mail keeps its link in clear only until it is sent or given up on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain.mail import MAX_MAIL_ATTEMPTS, MailKind, MailStatus, OutboxMail

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
SECRET = "kpt_" + "s" * 22 + "_" + "v" * 43
BODY = f"Hello,\n\n  https://pay.example/pay/{SECRET}\n"


def mail(kind: MailKind) -> OutboxMail:
    return OutboxMail(
        id="mail_1", tenant_id="ten_1", kind=kind, recipient="ada@example.com",
        subject="Your link", body=BODY, created_at=NOW, next_attempt_at=NOW,
    )  # fmt: skip


def test_a_portal_link_mail_forgets_its_link_once_sent() -> None:
    link = mail(MailKind.PORTAL_LINK)
    link.claim(NOW, timedelta(minutes=2))
    assert SECRET in link.body and SECRET not in link.shown_body

    link.sent(NOW)

    assert link.status is MailStatus.SENT
    assert SECRET not in link.body and "/pay/kpt_[redacted]" in link.body


def test_a_portal_link_mail_keeps_its_link_for_the_retry_and_forgets_it_when_it_dies() -> None:
    link = mail(MailKind.PORTAL_LINK)

    link.failed("Connection refused", NOW)
    assert (link.status, SECRET in link.body) == (MailStatus.PENDING, True)
    for _ in range(MAX_MAIL_ATTEMPTS - 1):
        link.failed("Connection refused", NOW)

    assert link.status is MailStatus.DEAD and SECRET not in link.body


def test_a_receipt_mail_is_kept_and_shown_as_written() -> None:
    receipt = mail(MailKind.RECEIPT)

    receipt.sent(NOW)

    assert receipt.body == BODY == receipt.shown_body
