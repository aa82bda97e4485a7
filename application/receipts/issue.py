"""Issue a receipt when a payment succeeds, in the transaction that records the success."""

from __future__ import annotations

from collections.abc import Sequence

from application.errors import NotFoundError
from application.fees.terms import FeeTermsResolver
from application.ports.system import Clock, IdFactory
from application.ports.unit_of_work import UnitOfWork
from domain.events import PaymentCaptured
from domain.mail import MailKind, OutboxMail
from domain.money import format_amount
from domain.payment import Payment
from domain.receipt import Receipt, ReceiptLine
from domain.tenant import Tenant


class IssueReceiptOnCapture:
    """A transactional handler: whichever path records the success first (the API's
    answer, a webhook, the portal, reconciliation), its unit of work carries the
    `PaymentCaptured` event, and the receipt is numbered and stored with that change.
    A customer with an e-mail address gets it by mail, through the outbox."""

    def __init__(
        self, clock: Clock, ids: IdFactory, tenants: FeeTermsResolver | None = None
    ) -> None:
        self._clock = clock
        self._ids = ids
        self._tenants = tenants  # the tenant's name from its cached configuration

    async def handle(self, uow: UnitOfWork, aggregates: Sequence[object]) -> None:
        for aggregate in aggregates:
            if not isinstance(aggregate, Payment):
                continue
            for event in aggregate.events:
                if isinstance(event, PaymentCaptured):
                    await self._issue(uow, aggregate, event)

    async def _issue(self, uow: UnitOfWork, payment: Payment, event: PaymentCaptured) -> None:
        tenant = await self._tenant(uow, payment.tenant_id)
        customer = (
            await uow.customers.get(payment.tenant_id, payment.customer_id)
            if payment.customer_id
            else None
        )
        brand, last4 = await self._card(uow, payment)
        lines, invoice_number = await self._lines(uow, payment, event)
        year = event.occurred_at.year
        # Last, so the counter is held for as short as can be; None: issued already.
        number = await uow.receipts.next_number(payment.tenant_id, year, payment.id)
        if number is None:
            return
        receipt = Receipt(
            id=self._ids.new("rcpt"),
            tenant_id=payment.tenant_id,
            payment_id=payment.id,
            number=number,
            merchant_name=tenant.name if tenant is not None else payment.tenant_id,
            currency=payment.currency,
            lines=lines,
            total=event.amount.amount,
            issued_at=event.occurred_at,
            invoice_number=invoice_number,
            customer_email=customer.email if customer is not None else None,
            customer_name=customer.name if customer is not None else None,
            card_brand=brand,
            card_last4=last4,
        )
        receipt.record_issued()
        await uow.receipts.add(receipt)
        if receipt.customer_email:
            await uow.mail.add(self._mail(receipt))

    async def _tenant(self, uow: UnitOfWork, tenant_id: str) -> Tenant | None:
        if self._tenants is None:
            return await uow.tenants.get(tenant_id)
        try:
            return (await self._tenants.config(uow, tenant_id))[0]
        except NotFoundError:
            return None

    async def _lines(
        self, uow: UnitOfWork, payment: Payment, event: PaymentCaptured
    ) -> tuple[list[ReceiptLine], str | None]:
        """The invoice's lines when the payment is for one, else its description."""
        if payment.invoice_id:
            invoice = await uow.invoices.get(payment.tenant_id, payment.invoice_id)
            if invoice is not None:
                lines = [
                    ReceiptLine(i.description, i.quantity, i.unit_amount) for i in invoice.lines
                ]
                return lines, invoice.number
        description = payment.description or f"Order {payment.order_id}"
        return [ReceiptLine(description, 1, event.amount.amount)], None

    async def _card(self, uow: UnitOfWork, payment: Payment) -> tuple[str | None, str | None]:
        """Brand and last four digits where Kassa knows the card: a saved one."""
        if not (payment.customer_id and payment.payment_method):
            return None, None
        for method in await uow.payment_methods.for_customer(
            payment.tenant_id, payment.customer_id
        ):
            if payment.payment_method in (method.gateway_payment_method_id, method.id):
                return method.brand, method.last4
        return None, None

    def _mail(self, receipt: Receipt) -> OutboxMail:
        now = self._clock.now()
        total = format_amount(receipt.money(receipt.total))
        greeting = f"Hello {receipt.customer_name}," if receipt.customer_name else "Hello,"
        body = (
            f"{greeting}\n\n"
            f"thank you for your payment of {total} to {receipt.merchant_name}.\n"
            f"Your receipt {receipt.number} is attached.\n"
        )
        return OutboxMail(
            id=self._ids.new("mail"),
            tenant_id=receipt.tenant_id,
            kind=MailKind.RECEIPT,
            recipient=str(receipt.customer_email),
            subject=f"Your receipt {receipt.number} from {receipt.merchant_name}",
            body=body,
            created_at=now,
            next_attempt_at=now,
            receipt_id=receipt.id,
        )
