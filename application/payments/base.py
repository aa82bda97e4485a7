"""What every payment use case shares: loading, and applying a gateway answer safely."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from application.errors import GatewayOutcomeUnknownError, NotFoundError
from application.fees.terms import FeeTermsResolver
from application.ports import Clock, IdFactory, PaymentGateway, UnitOfWork, UnitOfWorkFactory
from application.retry import retry_on_conflict
from domain.fees import FeeTerms
from domain.gateway_results import GatewayIntent
from domain.payment import Payment


async def load_payment(uow: UnitOfWork, tenant_id: str, payment_id: str) -> Payment:
    payment = await uow.payments.get(tenant_id, payment_id)
    if payment is None:
        raise NotFoundError(f"No such payment: {payment_id}.", param="id")
    return payment


def gateway_key(payment_id: str, operation: str) -> str:
    """The idempotency key a gateway call carries: the same for every retry of one act."""
    return f"kassa_{payment_id}_{operation}"


class PaymentUseCase:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        gateway: PaymentGateway,
        clock: Clock,
        ids: IdFactory,
        fees: FeeTermsResolver,
    ) -> None:
        self._uow_factory = uow_factory
        self._gateway = gateway
        self._clock = clock
        self._ids = ids
        self._fees = fees

    async def _change(
        self,
        tenant_id: str,
        payment_id: str,
        mutate: Callable[[Payment, FeeTerms], Any],
    ) -> Payment:
        """Reload, mutate and save in one transaction, retried on optimistic-lock races."""

        async def attempt() -> Payment:
            async with self._uow_factory() as uow:
                payment = await load_payment(uow, tenant_id, payment_id)
                fees = await self._fees.resolve(uow, tenant_id, payment.currency)
                mutate(payment, fees.terms)
                await uow.payments.save(payment)
                await uow.commit()
                return payment

        return await retry_on_conflict(attempt)

    async def _call_gateway(
        self,
        payment: Payment,
        operation: str,
        call: Callable[[], Awaitable[GatewayIntent]],
    ) -> Payment:
        """Run one gateway call and record its answer, or that the answer is unknown."""
        try:
            intent = await call()
        except GatewayOutcomeUnknownError:
            now = self._clock.now()
            return await self._change(
                payment.tenant_id,
                payment.id,
                lambda p, _: p.mark_outcome_unknown(operation, now),
            )
        now = self._clock.now()
        return await self._change(
            payment.tenant_id, payment.id, lambda p, terms: p.sync(intent, terms, now)
        )
