"""Creating and reading invoices."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from application.audit import AuditTrail
from application.customers.customers import load_customer
from application.errors import existing
from application.ports.repositories import Page, PageRequest
from application.ports.system import Clock, IdFactory
from application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from domain.audit import Actor
from domain.invoice import Invoice, InvoiceLine


@dataclass(frozen=True, slots=True)
class CreateInvoiceCommand:
    tenant_id: str
    customer_id: str
    currency: str
    lines: Sequence[InvoiceLine]
    actor: Actor
    number: str | None = None
    due_date: date | None = None


async def load_invoice(uow: UnitOfWork, tenant_id: str, invoice_id: str) -> Invoice:
    found = await uow.invoices.get(tenant_id, invoice_id)
    return existing(found, "invoice", invoice_id, param="invoice_id")


class CreateInvoice:
    def __init__(
        self, uow_factory: UnitOfWorkFactory, clock: Clock, ids: IdFactory, audit: AuditTrail
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._ids = ids
        self._audit = audit

    async def execute(self, cmd: CreateInvoiceCommand) -> Invoice:
        invoice_id = self._ids.new("inv")
        invoice = Invoice(
            id=invoice_id,
            tenant_id=cmd.tenant_id,
            customer_id=cmd.customer_id,
            number=cmd.number or f"INV-{invoice_id[-10:]}",
            currency=cmd.currency,
            lines=list(cmd.lines),
            created_at=self._clock.now(),
            due_date=cmd.due_date,
        )
        async with self._uow_factory() as uow:
            await load_customer(uow, cmd.tenant_id, cmd.customer_id)
            await uow.invoices.add(invoice)
            await self._audit.record(
                uow,
                cmd.actor,
                "invoice.created",
                entity_type="invoice",
                entity_id=invoice.id,
                tenant_id=cmd.tenant_id,
                number=invoice.number,
                total=invoice.total,
                currency=invoice.currency,
            )
            await uow.commit()
        return invoice


class GetInvoice:
    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    async def execute(self, tenant_id: str, invoice_id: str) -> Invoice:
        async with self._uow_factory() as uow:
            return await load_invoice(uow, tenant_id, invoice_id)


class ListInvoices:
    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    async def execute(
        self, tenant_id: str, customer_id: str | None, page: PageRequest
    ) -> Page[Invoice]:
        async with self._uow_factory() as uow:
            return await uow.invoices.list(tenant_id, customer_id, page)
