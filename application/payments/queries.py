"""Read-side use cases: one payment, a filtered page, an order's payments."""

from __future__ import annotations

from collections.abc import Sequence

from application.payments.payment_use_case import load_payment
from application.ports.repositories import Page, PageRequest, PaymentFilter
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.payment import Payment


class GetPayment:
    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    async def execute(self, tenant_id: str, payment_id: str) -> Payment:
        async with self._uow_factory() as uow:
            return await load_payment(uow, tenant_id, payment_id)


class ListPayments:
    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    async def execute(
        self, tenant_id: str, where: PaymentFilter, page: PageRequest
    ) -> Page[Payment]:
        async with self._uow_factory() as uow:
            return await uow.payments.list(tenant_id, where, page)


class ListOrderPayments:
    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    async def execute(self, tenant_id: str, order_id: str) -> Sequence[Payment]:
        async with self._uow_factory() as uow:
            return await uow.payments.for_order(tenant_id, order_id)
