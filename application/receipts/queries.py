"""Read a payment's receipt, with the refunds made against it since."""

from __future__ import annotations

from application.errors import NotFoundError
from application.payments.payment_use_case import load_payment
from application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from domain.receipt import ReceiptDocument, ReceiptRefund
from domain.statuses import RefundState


class GetReceipt:
    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    async def execute(self, tenant_id: str, payment_id: str) -> ReceiptDocument:
        """The tenant's payment's receipt; NotFoundError for another tenant's payment,
        an unknown one, or one that has not succeeded (no receipt yet)."""
        async with self._uow_factory() as uow:
            return await receipt_document(uow, tenant_id, payment_id)


async def receipt_document(uow: UnitOfWork, tenant_id: str, payment_id: str) -> ReceiptDocument:
    payment = await load_payment(uow, tenant_id, payment_id)
    receipt = await uow.receipts.for_payment(tenant_id, payment_id)
    if receipt is None:
        raise NotFoundError(f"Payment {payment_id} has no receipt: it has not succeeded.")
    refunds = tuple(
        ReceiptRefund(r.id, r.amount.amount, r.updated_at, r.reason)
        for r in payment.refunds
        if r.status is RefundState.SUCCEEDED
    )
    return ReceiptDocument(receipt, refunds)
