"""Recording a succeeded payment on its invoice: shared by portal confirm and the consumer,
so whichever learns of the success first records it and the other changes nothing."""

from __future__ import annotations

from application.ports.unit_of_work import UnitOfWork
from domain.invoice import InvoiceStatus
from domain.money import Money
from domain.payment import Payment
from domain.statuses import PaymentStatus
from domain.sync_result import SyncResult


async def record_on_invoice(uow: UnitOfWork, payment: Payment) -> None:
    if payment.invoice_id is None or payment.status is not PaymentStatus.SUCCEEDED:
        return
    invoice = await uow.invoices.get(payment.tenant_id, payment.invoice_id)
    if invoice is None:
        return
    paid = Money(payment.amount_captured, payment.currency)
    paid_at = payment.captured_at or payment.updated_at
    if invoice.record_payment(payment.id, paid, paid_at) is not SyncResult.APPLIED:
        return
    await uow.invoices.save(invoice)
    if invoice.status is InvoiceStatus.PAID:
        for token in await uow.portal_tokens.for_invoice(invoice.id):
            token.mark_used()
            await uow.portal_tokens.save(token)
