"""The customer's saved cards: list, add, remove, choose the default, Billing Portal."""

from __future__ import annotations

from collections.abc import Sequence

from application.customers.customers import CustomerGatewayUseCase, load_customer
from application.errors import CardKeptAlreadyError, NotFoundError
from application.portal.authenticate import PortalSession, record_portal_act
from application.ports.unit_of_work import UnitOfWork
from domain.customer import Customer, SavedPaymentMethod
from domain.errors import DomainError


class NoGatewayCustomerError(DomainError):
    code = "customer_not_at_gateway"


def _gateway_customer(customer: Customer) -> str:
    if customer.gateway_customer_id is None:
        raise NoGatewayCustomerError(f"Customer {customer.id} is not known to the gateway.")
    return customer.gateway_customer_id


def _kept(
    methods: Sequence[SavedPaymentMethod], gateway_payment_method_id: str
) -> SavedPaymentMethod | None:
    return next(
        (
            m
            for m in methods
            if m.is_active and m.gateway_payment_method_id == gateway_payment_method_id
        ),
        None,
    )


class SavedMethods(CustomerGatewayUseCase):
    """One class, since every action shares the same collaborators and checks."""

    async def list(self, session: PortalSession) -> Sequence[SavedPaymentMethod]:
        async with self._uow_factory() as uow:
            return await uow.payment_methods.for_customer(session.tenant_id, session.customer_id)

    async def add(
        self,
        session: PortalSession,
        gateway_payment_method_id: str,
        set_as_default: bool,
        attach_key: str | None = None,
    ) -> SavedPaymentMethod:
        """Attach the card at the gateway and keep it. A card the customer has kept
        already (asked by its gateway id, or attached again under the same `attach_key`,
        the gateway's idempotency key, or kept meanwhile by a simultaneous ask, which the
        store refuses to keep twice) is answered as it is, not kept twice."""
        async with self._uow_factory() as uow:
            customer = await load_customer(uow, session.tenant_id, session.customer_id)
            existing = await uow.payment_methods.for_customer(session.tenant_id, customer.id)
        if (kept := _kept(existing, gateway_payment_method_id)) is not None:
            return kept
        method_id = self._ids.new("spm")
        attached = await self._gateway.attach_payment_method(
            _gateway_customer(customer),
            gateway_payment_method_id,
            attach_key or f"kassa_{method_id}_attach",
        )
        if (kept := _kept(existing, attached.gateway_payment_method_id)) is not None:
            return kept
        make_default = set_as_default or not existing
        if make_default:
            await self._gateway.set_default_payment_method(
                _gateway_customer(customer), attached.gateway_payment_method_id
            )
        method = SavedPaymentMethod(
            id=method_id,
            tenant_id=session.tenant_id,
            customer_id=customer.id,
            gateway_payment_method_id=attached.gateway_payment_method_id,
            brand=attached.brand,
            last4=attached.last4,
            exp_month=attached.exp_month,
            exp_year=attached.exp_year,
            created_at=self._clock.now(),
            is_default=make_default,
        )
        try:
            await self._keep(session, method)
        except CardKeptAlreadyError:
            if (kept := _kept(await self.list(session), method.gateway_payment_method_id)) is None:
                raise  # kept, then removed meanwhile: the ask lost its race, say so
            if make_default and not kept.is_default:  # as the gateway has it now
                return await self.set_default(session, kept.id)
            return kept
        return method

    async def _keep(self, session: PortalSession, method: SavedPaymentMethod) -> None:
        async with self._uow_factory() as uow:
            if method.is_default:
                await self._unset_other_defaults(uow, session, method.id)
            await uow.payment_methods.add(method)
            await record_portal_act(
                self._audit, uow, session, "portal.method_added", "payment_method", method.id,
                brand=method.brand, last4=method.last4, default=method.is_default,
            )  # fmt: skip
            await uow.commit()

    async def remove(self, session: PortalSession, method_id: str) -> SavedPaymentMethod:
        method = await self._load(session, method_id)
        await self._gateway.detach_payment_method(method.gateway_payment_method_id)
        async with self._uow_factory() as uow:
            method = await self._load_in(uow, session, method_id)
            method.remove(self._clock.now())
            await uow.payment_methods.save(method)
            await record_portal_act(
                self._audit, uow, session, "portal.method_removed", "payment_method", method.id
            )
            await uow.commit()
        return method

    async def set_default(self, session: PortalSession, method_id: str) -> SavedPaymentMethod:
        method = await self._load(session, method_id)
        customer = await self._customer(session)
        await self._gateway.set_default_payment_method(
            _gateway_customer(customer), method.gateway_payment_method_id
        )
        async with self._uow_factory() as uow:
            method = await self._load_in(uow, session, method_id)
            await self._unset_other_defaults(uow, session, method.id)
            if not method.is_default:
                method.is_default = True
                await uow.payment_methods.save(method)
            await record_portal_act(
                self._audit, uow, session, "portal.method_default_set", "payment_method", method.id
            )
            await uow.commit()
        return method

    async def billing_portal_url(self, session: PortalSession, return_url: str) -> str:
        customer = await self._customer(session)
        url = await self._gateway.create_portal_session(_gateway_customer(customer), return_url)
        async with self._uow_factory() as uow:
            await record_portal_act(
                self._audit, uow, session, "portal.billing_portal_opened", "customer", customer.id
            )
            await uow.commit()
        return url

    async def _customer(self, session: PortalSession) -> Customer:
        async with self._uow_factory() as uow:
            return await load_customer(uow, session.tenant_id, session.customer_id)

    @staticmethod
    async def _unset_other_defaults(uow: UnitOfWork, session: PortalSession, keep_id: str) -> None:
        for other in await uow.payment_methods.for_customer(session.tenant_id, session.customer_id):
            if other.id != keep_id and other.is_default:
                other.is_default = False
                await uow.payment_methods.save(other)

    async def _load(self, session: PortalSession, method_id: str) -> SavedPaymentMethod:
        async with self._uow_factory() as uow:
            return await self._load_in(uow, session, method_id)

    @staticmethod
    async def _load_in(
        uow: UnitOfWork, session: PortalSession, method_id: str
    ) -> SavedPaymentMethod:
        method = await uow.payment_methods.get(session.tenant_id, method_id)
        if method is None or method.customer_id != session.customer_id or not method.is_active:
            raise NotFoundError(f"No such payment method: {method_id}.", param="method_id")
        return method
