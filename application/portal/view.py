"""What the customer sees: the invoice of the link (or the oldest open one), the customer's
open invoices and their balance per currency, and whose invoice it is."""

from __future__ import annotations

from dataclasses import dataclass

from application.customers.invoices import load_invoice
from application.errors import NotFoundError
from application.portal.authenticate import PortalSession
from application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from application.tenants.queries import load_tenant
from domain.invoice import Invoice


@dataclass(frozen=True, slots=True)
class PortalInvoiceView:
    invoice: Invoice
    outstanding: dict[str, int]  # currency → minor units due across open invoices
    open_invoices: tuple[Invoice, ...] = ()  # oldest first
    merchant_name: str = ""


async def portal_invoice(uow: UnitOfWork, session: PortalSession) -> Invoice:
    """The token's invoice, or for a customer-wide token the oldest open one."""
    if session.token.invoice_id is not None:
        return await load_invoice(uow, session.tenant_id, session.token.invoice_id)
    open_invoices = await uow.invoices.open_for_customer(session.tenant_id, session.customer_id)
    if not open_invoices:
        raise NotFoundError("There is no open invoice.", param="invoice")
    return open_invoices[0]


class ViewPortalInvoice:
    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    async def execute(self, session: PortalSession) -> PortalInvoiceView:
        async with self._uow_factory() as uow:
            invoice = await portal_invoice(uow, session)
            open_invoices = tuple(
                await uow.invoices.open_for_customer(session.tenant_id, session.customer_id)
            )
            merchant = await load_tenant(uow, session.tenant_id)
        outstanding: dict[str, int] = {}
        for open_invoice in open_invoices:
            outstanding[open_invoice.currency] = (
                outstanding.get(open_invoice.currency, 0) + open_invoice.amount_due
            )
        return PortalInvoiceView(invoice, outstanding, open_invoices, merchant.name)

    async def merchant_name(self, session: PortalSession) -> str:
        """Whose link it is, for pages with no invoice to show (nothing left to pay)."""
        async with self._uow_factory() as uow:
            return (await load_tenant(uow, session.tenant_id)).name
