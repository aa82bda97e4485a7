"""The portal link mail: written to the outbox in the transaction that issues the link."""

from __future__ import annotations

from datetime import datetime

from domain.customer import Customer
from domain.mail import MailKind, OutboxMail
from domain.portal_token import PortalToken


def portal_link_mail(
    mail_id: str,
    token: PortalToken,
    customer: Customer,
    merchant_name: str,
    url: str,
    invoice_number: str | None,
    now: datetime,
) -> OutboxMail:
    """The link, who it is from, what it opens and until when. The body holds the link
    in clear until the mail is sent (then it is masked: OutboxMail.sent)."""
    greeting = f"Hello {customer.name}," if customer.name else "Hello,"
    what = f"invoice {invoice_number}" if invoice_number else "your open invoices"
    body = (
        f"{greeting}\n\n"
        f"{merchant_name} sends you a link to view and pay {what}:\n\n"
        f"  {url}\n\n"
        f"The link is yours alone: please do not forward it. "
        f"It works until {token.expires_at:%Y-%m-%d %H:%M} UTC.\n"
    )
    return OutboxMail(
        id=mail_id,
        tenant_id=token.tenant_id,
        kind=MailKind.PORTAL_LINK,
        recipient=customer.email,
        subject=f"Your payment link from {merchant_name}",
        body=body,
        created_at=now,
        next_attempt_at=now,
    )
