"""Creating and reading end customers."""

from __future__ import annotations

from dataclasses import dataclass

from application.audit import AuditTrail
from application.errors import existing
from application.ports.gateway import CustomerGateway
from application.ports.repositories import Page, PageRequest
from application.ports.system import Clock, IdFactory
from application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from domain.audit import Actor
from domain.customer import Customer
from domain.errors import DomainError


class InvalidEmailError(DomainError):
    code = "invalid_email"
    param = "email"


@dataclass(frozen=True, slots=True)
class CreateCustomerCommand:
    tenant_id: str
    email: str
    actor: Actor
    name: str | None = None


async def load_customer(uow: UnitOfWork, tenant_id: str, customer_id: str) -> Customer:
    found = await uow.customers.get(tenant_id, customer_id)
    return existing(found, "customer", customer_id, param="customer_id")


class CustomerGatewayUseCase:
    """What the use cases that act on a customer at the gateway too work with."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        gateway: CustomerGateway,
        clock: Clock,
        ids: IdFactory,
        audit: AuditTrail,
    ) -> None:
        self._uow_factory = uow_factory
        self._gateway = gateway
        self._clock = clock
        self._ids = ids
        self._audit = audit


class CreateCustomer(CustomerGatewayUseCase):
    """The customer exists at the gateway too, so saved cards and the portal work."""

    async def execute(self, cmd: CreateCustomerCommand) -> Customer:
        email = cmd.email.strip()
        local, at, domain = email.partition("@")
        if not (local and at and "." in domain) or len(email) > 254:
            raise InvalidEmailError("email must be an e-mail address.")
        customer_id = self._ids.new("cus")
        gateway_id = await self._gateway.create_customer(
            email, cmd.name, f"kassa_{customer_id}_customer"
        )
        customer = Customer(
            id=customer_id,
            tenant_id=cmd.tenant_id,
            email=email,
            name=cmd.name,
            created_at=self._clock.now(),
            gateway_customer_id=gateway_id,
        )
        async with self._uow_factory() as uow:
            await uow.customers.add(customer)
            await self._audit.record(
                uow,
                cmd.actor,
                "customer.created",
                entity_type="customer",
                entity_id=customer.id,
                tenant_id=cmd.tenant_id,
            )
            await uow.commit()
        return customer


class ListCustomers:
    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    async def execute(self, tenant_id: str, page: PageRequest) -> Page[Customer]:
        async with self._uow_factory() as uow:
            return await uow.customers.list(tenant_id, page)
