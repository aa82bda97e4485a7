"""What the customer sees: the invoice of the link (or the oldest open one), the customer's
open invoices and their balance per currency, and whose invoice it is."""

from __future__ import annotations

from dataclasses import dataclass

from application.customers.invoices import load_invoice
from application.errors import NotFoundError
from application.fees.terms import FeeTermsResolver
from application.portal.authenticate import PortalAuthenticator, PortalSession
from application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from application.tenants.queries import load_tenant
from domain.invoice import Invoice, InvoiceStatus


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
    """With `tenants` (the cached tenant configuration) the merchant's name costs no read."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        authenticator: PortalAuthenticator | None = None,
        tenants: FeeTermsResolver | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._authenticator = authenticator
        self._tenants = tenants

    async def execute(self, session: PortalSession) -> PortalInvoiceView:
        async with self._uow_factory() as uow:
            return await self._view(uow, session)

    async def for_link(
        self, secret: str, ip: str | None, user_agent: str | None, request_id: str | None
    ) -> PortalInvoiceView:
        """Check the link and show its invoice: a warm link in two statements (the use
        counted, one invoice read), any other through `PortalAuthenticator.prove`,
        which refuses or proves it, then `execute`. A view refused (no open invoice)
        still counts the use, as an authenticated request does."""
        if self._authenticator is None:
            raise TypeError("ViewPortalInvoice.for_link needs the authenticator.")
        async with self._uow_factory() as uow:
            session = await self._authenticator.warm(uow, secret, ip, user_agent, request_id)
            if session is not None:
                try:
                    view = await self._view(uow, session)
                except NotFoundError:
                    await uow.commit()
                    raise
                await uow.commit()
                return view
        session = await self._authenticator.prove(secret, ip, user_agent, request_id)
        return await self.execute(session)

    async def _view(self, uow: UnitOfWork, session: PortalSession) -> PortalInvoiceView:
        token_invoice = session.token.invoice_id
        found = await uow.invoices.for_portal(session.tenant_id, session.customer_id, token_invoice)
        open_invoices = tuple(
            i
            for i in found
            if i.status is InvoiceStatus.OPEN and i.customer_id == session.customer_id
        )
        if token_invoice is not None:
            invoice = next((i for i in found if i.id == token_invoice), None)
            if invoice is None:
                raise NotFoundError(f"No such invoice: {token_invoice}.", param="invoice_id")
        elif open_invoices:
            invoice = open_invoices[0]
        else:
            raise NotFoundError("There is no open invoice.", param="invoice")
        outstanding: dict[str, int] = {}
        for open_invoice in open_invoices:
            outstanding[open_invoice.currency] = (
                outstanding.get(open_invoice.currency, 0) + open_invoice.amount_due
            )
        merchant = await self._merchant_name(uow, session.tenant_id)
        return PortalInvoiceView(invoice, outstanding, open_invoices, merchant)

    async def merchant_name(self, session: PortalSession) -> str:
        """Whose link it is, for pages with no invoice to show (nothing left to pay)."""
        async with self._uow_factory() as uow:
            return await self._merchant_name(uow, session.tenant_id)

    async def _merchant_name(self, uow: UnitOfWork, tenant_id: str) -> str:
        if self._tenants is not None:
            return (await self._tenants.config(uow, tenant_id))[0].name
        return (await load_tenant(uow, tenant_id)).name
