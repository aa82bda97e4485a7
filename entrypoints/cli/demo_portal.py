"""The portal half of `kassa demo`: a customer and an open invoice (reused when there) and
a fresh link to pay it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from application.customers.customers import CreateCustomerCommand
from application.customers.invoices import CreateInvoiceCommand
from application.portal.tokens import IssuedToken, IssuePortalTokenCommand
from application.ports.repositories import PageRequest
from domain.customer import Customer
from domain.invoice import Invoice, InvoiceLine, InvoiceStatus
from entrypoints.cli.operator import operator_actor
from entrypoints.container import Container

DEMO_CUSTOMER_EMAIL = "demo.customer@example.com"
DEMO_CUSTOMER_NAME = "Dana Demo"
DEMO_LINES = (InvoiceLine("Monthly plan", 1, 4_900), InvoiceLine("Extra seats", 3, 1_000))
_PAGE = 100


@dataclass(frozen=True, slots=True)
class DemoPortal:
    customer: Customer
    invoice: Invoice
    issued: IssuedToken

    def as_json(self) -> dict[str, Any]:
        return {
            "customer_id": self.customer.id,
            "invoice_id": self.invoice.id,
            "portal_token": self.issued.secret,
            "portal_url": self.issued.url,
        }


async def ensure_demo_portal(container: Container, tenant_id: str) -> DemoPortal:
    customer = await _demo_customer(container, tenant_id)
    invoice = await _open_invoice(container, tenant_id, customer)
    command = IssuePortalTokenCommand(
        tenant_id, customer.id, operator_actor(), invoice_id=invoice.id
    )
    issued = await container.issue_portal_token().execute(command)
    return DemoPortal(customer, invoice, issued)


async def _demo_customer(container: Container, tenant_id: str) -> Customer:
    after: str | None = None
    while True:
        page = PageRequest(limit=_PAGE, starting_after=after)
        found = await container.list_customers().execute(tenant_id, page)
        for customer in found.data:
            if customer.email == DEMO_CUSTOMER_EMAIL:
                return customer
        if not found.has_more or not found.data:
            break
        after = found.data[-1].id
    command = CreateCustomerCommand(
        tenant_id, DEMO_CUSTOMER_EMAIL, operator_actor(), DEMO_CUSTOMER_NAME
    )
    return await container.create_customer().execute(command)


async def _open_invoice(container: Container, tenant_id: str, customer: Customer) -> Invoice:
    after: str | None = None
    while True:
        page = PageRequest(limit=_PAGE, starting_after=after)
        found = await container.list_invoices().execute(tenant_id, customer.id, page)
        for invoice in found.data:
            if invoice.status is InvoiceStatus.OPEN:
                return invoice
        if not found.has_more or not found.data:
            break
        after = found.data[-1].id
    command = CreateInvoiceCommand(
        tenant_id=tenant_id,
        customer_id=customer.id,
        currency="usd",
        lines=DEMO_LINES,
        actor=operator_actor(),
        due_date=(container.clock().now() + timedelta(days=14)).date(),
    )
    return await container.create_invoice().execute(command)
