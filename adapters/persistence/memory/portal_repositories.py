"""In-memory customers, invoices, saved cards and portal tokens."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from adapters.persistence.memory.pagination import paginate
from adapters.persistence.memory.repositories import Staging, fresh_copy, versioned_save
from application.errors import CardKeptAlreadyError, ConflictError
from application.ports.repositories import Page, PageRequest
from domain.customer import Customer, SavedPaymentMethod
from domain.invoice import Invoice, InvoiceStatus
from domain.portal_token import PortalToken

_USE_FIELDS = ("usage_count", "last_used_at", "last_ip", "last_user_agent")


class InMemoryCustomerRepository:
    def __init__(self, staging: Staging) -> None:
        self._s = staging
        self._table = staging.store.customers

    async def add(self, customer: Customer) -> None:
        self._s.put(self._table, customer.id, customer, None)

    async def get(self, tenant_id: str, customer_id: str) -> Customer | None:
        found = self._table.get(customer_id)
        return fresh_copy(found) if found and found.tenant_id == tenant_id else None

    async def save(self, customer: Customer) -> None:
        versioned_save(self._s, self._table, customer.id, customer)

    async def list(self, tenant_id: str, page: PageRequest) -> Page[Customer]:
        rows = sorted(
            (c for c in self._table.values() if c.tenant_id == tenant_id),
            key=lambda c: (c.created_at, c.id),
            reverse=True,
        )
        return paginate(rows, page, key=lambda c: c.id)


class InMemoryInvoiceRepository:
    def __init__(self, staging: Staging) -> None:
        self._s = staging
        self._table = staging.store.invoices
        self._numbers: set[tuple[str, str]] = set()  # added in this unit of work

    async def add(self, invoice: Invoice) -> None:
        number = (invoice.tenant_id, invoice.number)

        def not_committed() -> None:
            if any((i.tenant_id, i.number) == number for i in self._table.values()):
                raise ConflictError(f"Invoice number {invoice.number} is taken.", param="number")

        if number in self._numbers:
            raise ConflictError(f"Invoice number {invoice.number} is taken.", param="number")
        not_committed()
        self._s.put(self._table, invoice.id, invoice, None)
        self._s.checks.append(not_committed)  # again at commit: another may have won meanwhile
        self._numbers.add(number)

    async def get(self, tenant_id: str, invoice_id: str) -> Invoice | None:
        found = self._table.get(invoice_id)
        return fresh_copy(found) if found and found.tenant_id == tenant_id else None

    async def save(self, invoice: Invoice) -> None:
        versioned_save(self._s, self._table, invoice.id, invoice)

    async def for_portal(
        self, tenant_id: str, customer_id: str, invoice_id: str | None
    ) -> Sequence[Invoice]:
        rows = sorted(
            (
                i
                for i in self._table.values()
                if i.tenant_id == tenant_id
                and (
                    (i.customer_id == customer_id and i.status is InvoiceStatus.OPEN)
                    or i.id == invoice_id
                )
            ),
            key=lambda i: (i.created_at, i.id),
        )
        return [i for i in (fresh_copy(r) for r in rows) if i is not None]

    async def open_for_customer(self, tenant_id: str, customer_id: str) -> Sequence[Invoice]:
        rows = sorted(
            (
                i
                for i in self._table.values()
                if i.tenant_id == tenant_id
                and i.customer_id == customer_id
                and i.status is InvoiceStatus.OPEN
            ),
            key=lambda i: (i.created_at, i.id),
        )
        return [i for i in (fresh_copy(r) for r in rows) if i is not None]

    async def list(
        self, tenant_id: str, customer_id: str | None, page: PageRequest
    ) -> Page[Invoice]:
        owned = sorted(
            (i for i in self._table.values() if i.tenant_id == tenant_id),
            key=lambda i: (i.created_at, i.id),
            reverse=True,
        )
        rows = [i for i in owned if customer_id is None or i.customer_id == customer_id]
        return paginate(rows, page, key=lambda i: i.id, owned=owned)


class InMemorySavedPaymentMethodRepository:
    def __init__(self, staging: Staging) -> None:
        self._s = staging
        self._table = staging.store.payment_methods

    async def add(self, method: SavedPaymentMethod) -> None:
        """The SQL stores' unique index on active cards, checked now and at commit."""

        card = (method.tenant_id, method.customer_id, method.gateway_payment_method_id)

        def check() -> None:
            if any(
                (m.tenant_id, m.customer_id, m.gateway_payment_method_id) == card
                and m.is_active
                and m.id != method.id
                for m in self._table.values()
            ):
                raise CardKeptAlreadyError.card(method.customer_id, card[2])

        self._s.check_now_and_at_commit(check)
        self._s.put(self._table, method.id, method, None)

    async def get(self, tenant_id: str, method_id: str) -> SavedPaymentMethod | None:
        found = self._table.get(method_id)
        return fresh_copy(found) if found and found.tenant_id == tenant_id else None

    async def save(self, method: SavedPaymentMethod) -> None:
        versioned_save(self._s, self._table, method.id, method)

    async def for_customer(self, tenant_id: str, customer_id: str) -> Sequence[SavedPaymentMethod]:
        rows = sorted(
            (
                m
                for m in self._table.values()
                if m.tenant_id == tenant_id and m.customer_id == customer_id and m.is_active
            ),
            key=lambda m: (m.created_at, m.id),
        )
        return [m for m in (fresh_copy(r) for r in rows) if m is not None]


class InMemoryPortalTokenRepository:
    def __init__(self, staging: Staging) -> None:
        self._s = staging
        self._table = staging.store.portal_tokens

    async def add(self, token: PortalToken) -> None:
        self._s.put(self._table, token.id, token, None)

    async def get(self, tenant_id: str, token_id: str) -> PortalToken | None:
        found = self._table.get(token_id)
        return fresh_copy(found) if found and found.tenant_id == tenant_id else None

    async def by_selector(self, selector: str) -> PortalToken | None:
        return fresh_copy(next((t for t in self._table.values() if t.selector == selector), None))

    async def save(self, token: PortalToken) -> None:
        versioned_save(self._s, self._table, token.id, token)
        write_copy = self._s.writes.pop()

        def write_keeping_uses() -> None:
            # record_use alone counts uses: a copy loaded before one must not undo it.
            committed = self._table.get(token.id)
            write_copy()
            if committed is not None:
                for name in _USE_FIELDS:
                    setattr(self._table[token.id], name, getattr(committed, name))

        self._s.writes.append(write_keeping_uses)

    async def record_use(
        self, token_id: str, now: datetime, ip: str | None, user_agent: str | None
    ) -> None:
        def write() -> None:
            stored = self._table.get(token_id)
            if stored is not None:
                stored.record_use(now, ip, user_agent)

        self._s.writes.append(write)

    async def use_by_selector(
        self, selector: str, now: datetime, ip: str | None, user_agent: str | None
    ) -> PortalToken | None:
        found = await self.by_selector(selector)
        if found is None or not found.is_viewable(now):
            return None
        await self.record_use(found.id, now, ip, user_agent)
        found.record_use(now, ip, user_agent)
        return found

    async def for_invoice(self, invoice_id: str) -> Sequence[PortalToken]:
        rows = [t for t in self._table.values() if t.invoice_id == invoice_id]
        return [t for t in (fresh_copy(r) for r in rows) if t is not None]

    async def list(
        self, tenant_id: str, customer_id: str | None, page: PageRequest
    ) -> Page[PortalToken]:
        owned = sorted(
            (t for t in self._table.values() if t.tenant_id == tenant_id),
            key=lambda t: (t.created_at, t.id),
            reverse=True,
        )
        rows = [t for t in owned if customer_id is None or t.customer_id == customer_id]
        return paginate(rows, page, key=lambda t: t.id, owned=owned)
