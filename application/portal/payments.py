"""The customer's own payments, read through a link: one payment's state and its receipt.
Another customer's payment, or one not made through an invoice, is not found."""

from __future__ import annotations

from application.errors import NotFoundError
from application.portal.authenticate import PortalSession
from application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from application.receipts.queries import receipt_document
from domain.payment import Payment
from domain.receipt import ReceiptDocument


async def _own_payment(uow: UnitOfWork, session: PortalSession, payment_id: str) -> Payment:
    payment = await uow.payments.get(session.tenant_id, payment_id)
    if payment is None or payment.customer_id != session.customer_id:
        raise NotFoundError(f"No such payment: {payment_id}.", param="payment_id")
    return payment


class PortalPayments:
    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    async def get(self, session: PortalSession, payment_id: str) -> Payment:
        async with self._uow_factory() as uow:
            return await _own_payment(uow, session, payment_id)

    async def receipt(self, session: PortalSession, payment_id: str) -> ReceiptDocument:
        """The receipt of the customer's succeeded payment; NotFoundError before then."""
        async with self._uow_factory() as uow:
            await _own_payment(uow, session, payment_id)
            return await receipt_document(uow, session.tenant_id, payment_id)
