"""SQL repositories for a tenant's end customers, their invoices and their saved cards."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, bindparam, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from adapters.persistence.sql.mapping import CUSTOMER, INVOICE, SAVED_PAYMENT_METHOD
from adapters.persistence.sql.pagination import newest_first_page
from adapters.persistence.sql.statements import (
    WriteSource,
    insert_new,
    unique_violation,
    update_versioned,
)
from adapters.persistence.sql.tables import customers, invoices, saved_payment_methods
from application.errors import CardKeptAlreadyError, ConflictError, StaleAggregateError
from application.ports.repositories import Page, PageRequest
from domain.customer import Customer, SavedPaymentMethod
from domain.invoice import Invoice, InvoiceStatus

_methods = saved_payment_methods.c
# How each database names a violation of the one unique index on a customer's active cards.
_ACTIVE_CARD_VIOLATIONS = (
    "uq_saved_payment_methods_active_card",
    "saved_payment_methods.tenant_id, saved_payment_methods.customer_id, "
    "saved_payment_methods.gateway_payment_method_id",
)


class SqlCustomerRepository:
    def __init__(self, source: WriteSource) -> None:
        self._source = source

    async def add(self, customer: Customer) -> None:
        conn = await self._source.connection()
        row = CUSTOMER.to_row(customer)
        await insert_new(conn, customers, row, ["id"], f"Customer {customer.id}")

    async def get(self, tenant_id: str, customer_id: str) -> Customer | None:
        conn = await self._source.single_statement()
        rows = await conn.execute(
            select(customers).where(
                customers.c.id == customer_id, customers.c.tenant_id == tenant_id
            )
        )
        found = rows.mappings().one_or_none()
        return CUSTOMER.from_row(found) if found is not None else None

    async def save(self, customer: Customer) -> None:
        conn = await self._source.connection()
        await update_versioned(
            conn, customers, {"id": customer.id}, CUSTOMER.to_row(customer),
            customer, f"Customer {customer.id}",
        )  # fmt: skip

    async def list(self, tenant_id: str, page: PageRequest) -> Page[Customer]:
        conn = await self._source.single_statement()
        scope = [customers.c.tenant_id == tenant_id]
        found = await newest_first_page(conn, customers, scope, customers.c.created_at, page)
        return Page([CUSTOMER.from_row(row) for row in found.data], found.has_more)


# Built once, with bind parameters: the portal's warm view runs it on every request.
_FOR_PORTAL = (
    select(invoices)
    .where(
        invoices.c.tenant_id == bindparam("tenant_id"),
        or_(
            and_(
                invoices.c.customer_id == bindparam("customer_id"),
                invoices.c.status == InvoiceStatus.OPEN.value,
            ),
            invoices.c.id == bindparam("invoice_id"),
        ),
    )
    .order_by(invoices.c.created_at, invoices.c.id)
)


class SqlInvoiceRepository:
    def __init__(self, source: WriteSource, seen: list[Any]) -> None:
        self._source = source
        self._seen = seen  # aggregates whose events flow after commit

    async def add(self, invoice: Invoice) -> None:
        """INSERT … ON CONFLICT DO NOTHING, whichever key is taken, then say which: a
        failed plain INSERT would abort the whole PostgreSQL transaction."""
        conn = await self._source.connection()
        dialect_insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
        stmt = dialect_insert(invoices).values(INVOICE.to_row(invoice)).on_conflict_do_nothing()
        if (await conn.execute(stmt)).rowcount == 1:
            return
        number_taken = await conn.scalar(
            select(invoices.c.id).where(
                invoices.c.tenant_id == invoice.tenant_id, invoices.c.number == invoice.number
            )
        )
        if number_taken is not None:
            raise ConflictError(f"Invoice number {invoice.number} is taken.", param="number")
        raise StaleAggregateError(f"Invoice {invoice.id} exists already.")

    async def get(self, tenant_id: str, invoice_id: str) -> Invoice | None:
        conn = await self._source.single_statement()
        rows = await conn.execute(
            select(invoices).where(invoices.c.id == invoice_id, invoices.c.tenant_id == tenant_id)
        )
        found = rows.mappings().one_or_none()
        return INVOICE.from_row(found) if found is not None else None

    async def save(self, invoice: Invoice) -> None:
        conn = await self._source.connection()
        await update_versioned(
            conn, invoices, {"id": invoice.id}, INVOICE.to_row(invoice),
            invoice, f"Invoice {invoice.id}",
        )  # fmt: skip
        self._seen.append(invoice)

    async def for_portal(
        self, tenant_id: str, customer_id: str, invoice_id: str | None
    ) -> Sequence[Invoice]:
        params = {"tenant_id": tenant_id, "customer_id": customer_id, "invoice_id": invoice_id}
        return [INVOICE.from_row(row) for row in await self._source.rows(_FOR_PORTAL, params)]

    async def open_for_customer(self, tenant_id: str, customer_id: str) -> Sequence[Invoice]:
        conn = await self._source.single_statement()
        rows = await conn.execute(
            select(invoices)
            .where(
                invoices.c.tenant_id == tenant_id,
                invoices.c.customer_id == customer_id,
                invoices.c.status == InvoiceStatus.OPEN.value,
            )
            .order_by(invoices.c.created_at, invoices.c.id)
        )
        return [INVOICE.from_row(row) for row in rows.mappings()]

    async def list(
        self, tenant_id: str, customer_id: str | None, page: PageRequest
    ) -> Page[Invoice]:
        owner = [invoices.c.tenant_id == tenant_id]
        scope = owner if customer_id is None else [*owner, invoices.c.customer_id == customer_id]
        conn = await self._source.single_statement()
        found = await newest_first_page(
            conn, invoices, scope, invoices.c.created_at, page, owner=owner
        )
        return Page([INVOICE.from_row(row) for row in found.data], found.has_more)


class SqlSavedPaymentMethodRepository:
    def __init__(self, source: WriteSource) -> None:
        self._source = source

    async def add(self, method: SavedPaymentMethod) -> None:
        conn = await self._source.connection()
        row = SAVED_PAYMENT_METHOD.to_row(method)
        what = f"Payment method {method.id}"
        kept_already = unique_violation(
            _ACTIVE_CARD_VIOLATIONS,
            lambda: CardKeptAlreadyError.card(method.customer_id, method.gateway_payment_method_id),
        )
        await insert_new(conn, saved_payment_methods, row, ["id"], what, violation=kept_already)

    async def get(self, tenant_id: str, method_id: str) -> SavedPaymentMethod | None:
        conn = await self._source.single_statement()
        rows = await conn.execute(
            select(saved_payment_methods).where(
                _methods.id == method_id, _methods.tenant_id == tenant_id
            )
        )
        found = rows.mappings().one_or_none()
        return SAVED_PAYMENT_METHOD.from_row(found) if found is not None else None

    async def save(self, method: SavedPaymentMethod) -> None:
        conn = await self._source.connection()
        await update_versioned(
            conn, saved_payment_methods, {"id": method.id},
            SAVED_PAYMENT_METHOD.to_row(method), method, f"Payment method {method.id}",
        )  # fmt: skip

    async def for_customer(self, tenant_id: str, customer_id: str) -> Sequence[SavedPaymentMethod]:
        conn = await self._source.single_statement()
        rows = await conn.execute(
            select(saved_payment_methods)
            .where(
                _methods.tenant_id == tenant_id,
                _methods.customer_id == customer_id,
                _methods.deleted_at.is_(None),
            )
            .order_by(_methods.created_at, _methods.id)
        )
        return [SAVED_PAYMENT_METHOD.from_row(row) for row in rows.mappings()]
