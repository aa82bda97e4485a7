"""Customers and invoices, created and read by merchant admins (SPEC §8, tenant-scoped)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from application.access import Principal
from application.customers.customers import (
    CreateCustomer,
    CreateCustomerCommand,
    ListCustomers,
)
from application.customers.invoices import (
    CreateInvoice,
    CreateInvoiceCommand,
    GetInvoice,
    ListInvoices,
)
from application.ports.repositories import PageRequest
from domain.invoice import InvoiceLine
from entrypoints.http.customers.resources import (
    CustomerList,
    CustomerResource,
    InvoiceList,
    InvoiceResource,
    customer_list,
    customer_resource,
    invoice_list,
    invoice_resource,
)
from entrypoints.http.customers.schemas import CreateCustomerBody, CreateInvoiceBody, parse_checked
from entrypoints.http.edge.acting import Acting
from entrypoints.http.edge.auth import requires
from entrypoints.http.edge.dependencies import each_from_container
from entrypoints.http.edge.idempotency import documented_key
from entrypoints.http.edge.pagination import Cursor
from entrypoints.http.payments.outcome import documented


class CustomersController(Controller):
    path = "/customers"
    tags = ["customers"]
    guards = [requires("merchant_admin")]
    dependencies = each_from_container("create_customer", "list_customers")

    @post(
        "/",
        status_code=201,
        summary="Create a customer (also at the gateway)",
        parameters=documented_key(),
        responses=documented(400, 401, 403, 502),
    )
    async def create(
        self,
        data: JSONBody[CreateCustomerBody],
        acting: NamedDependency[Acting],
        create_customer: NamedDependency[CreateCustomer],
    ) -> Response[CustomerResource]:
        body = await parse_checked(acting.request, CreateCustomerBody)
        command = CreateCustomerCommand(
            tenant_id=acting.tenant_id, email=body.email, name=body.name, actor=acting.actor
        )
        return await acting.created(lambda: create_customer.execute(command), customer_resource)

    @get("/", summary="List customers, newest first", responses=documented(400, 401, 403))
    async def list_customers(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        list_customers: NamedDependency[ListCustomers],
        page: NamedDependency[PageRequest],
    ) -> CustomerList:
        found = await list_customers.execute(principal.tenant_id, page)
        return customer_list(found.data, found.has_more, request.url.path)


class InvoicesController(Controller):
    path = "/invoices"
    tags = ["invoices"]
    guards = [requires("merchant_admin")]
    dependencies = each_from_container("create_invoice", "get_invoice", "list_invoices")

    @post(
        "/",
        status_code=201,
        summary="Create an invoice for a customer",
        parameters=documented_key(),
        responses=documented(400, 401, 403, 404, 409),
    )
    async def create(
        self,
        data: JSONBody[CreateInvoiceBody],
        acting: NamedDependency[Acting],
        create_invoice: NamedDependency[CreateInvoice],
    ) -> Response[InvoiceResource]:
        body = await parse_checked(acting.request, CreateInvoiceBody)
        command = CreateInvoiceCommand(
            tenant_id=acting.tenant_id,
            customer_id=body.customer_id,
            currency=body.currency,
            lines=[InvoiceLine(li.description, li.quantity, li.unit_amount) for li in body.lines],
            actor=acting.actor,
            number=body.number,
            due_date=body.due_date,
        )
        return await acting.created(lambda: create_invoice.execute(command), invoice_resource)

    @get("/{invoice_id:str}", summary="Retrieve an invoice", responses=documented(401, 403, 404))
    async def retrieve(
        self,
        invoice_id: FromPath[str],
        principal: NamedDependency[Principal],
        get_invoice: NamedDependency[GetInvoice],
    ) -> InvoiceResource:
        return invoice_resource(await get_invoice.execute(principal.tenant_id, invoice_id))

    @get("/", summary="List invoices, newest first", responses=documented(400, 401, 403))
    async def list_invoices(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        list_invoices: NamedDependency[ListInvoices],
        page: NamedDependency[PageRequest],
        customer_id: Cursor = None,
    ) -> InvoiceList:
        found = await list_invoices.execute(principal.tenant_id, customer_id, page)
        return invoice_list(found.data, found.has_more, request.url.path)
