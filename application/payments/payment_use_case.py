"""What every payment use case shares: loading, and applying a gateway answer safely."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from application.audit import AuditTrail
from application.errors import GatewayOutcomeUnknownError, StaleAggregateError, existing
from application.fees.terms import FeeTermsResolver
from application.idempotency import IdempotencyContext, keep_answer
from application.ports.gateway import PaymentGateway
from application.ports.system import Clock, IdFactory
from application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from application.retry import retry_on_conflict
from domain.audit import Actor
from domain.fees import FeeTerms
from domain.gateway_results import GatewayIntent
from domain.payment import Payment


async def load_payment(
    uow: UnitOfWork, tenant_id: str, payment_id: str, *, for_update: bool = False
) -> Payment:
    found = await uow.payments.get(tenant_id, payment_id, for_update=for_update)
    return existing(found, "payment", payment_id, param="id")


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
        audit: AuditTrail | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._gateway = gateway
        self._clock = clock
        self._ids = ids
        self._fees = fees
        self._audit = audit

    async def _record_act(
        self, uow: UnitOfWork, actor: Actor | None, action: str, payment: Payment, **details: Any
    ) -> None:
        """An audit entry for what `actor` did to `payment`, in the caller's transaction."""
        if actor is not None and self._audit is not None:
            await self._audit.record(
                uow, actor, action, entity_type="payment", entity_id=payment.id,
                tenant_id=payment.tenant_id, **details,
            )  # fmt: skip

    async def _change(
        self,
        tenant_id: str,
        payment_id: str,
        mutate: Callable[[Payment, FeeTerms], Any],
        known: Payment | None = None,
        terms: FeeTerms | None = None,
        audited: tuple[Actor | None, str] | None = None,
        answering: IdempotencyContext | None = None,
    ) -> Payment:
        """Mutate and save in one transaction, reading the payment `for_update`, so no
        other writer comes in between and the save cannot lose a race (SPEC §3: once the
        gateway acted, recording its answer never fails for contention). `known` (the
        payment as this request last saved it) and `terms` (resolved earlier in this
        request) spare the first attempt its reads: the versioned UPDATE still refuses it
        if anyone changed the payment since, and the retry then reads it locked.
        `audited` (actor, action) is written to the audit trail in the same transaction;
        `answering`'s request keeps its answer in it too (see `keep_answer`)."""

        async def attempt() -> Payment:
            nonlocal known, answering
            async with self._uow_factory() as uow:
                payment, known = known, None
                if payment is None:
                    payment = await load_payment(uow, tenant_id, payment_id, for_update=True)
                fees = terms
                if fees is None:
                    fees = (await self._fees.resolve(uow, tenant_id, payment.currency)).terms
                mutate(payment, fees)
                await uow.payments.save(payment)
                if audited is not None:
                    await self._record_act(uow, audited[0], audited[1], payment)
                kept = await keep_answer(uow, answering, payment)
                try:
                    await uow.commit()
                except StaleAggregateError:
                    # A store may report at commit which of the two changed meanwhile,
                    # the payment or the request's record: the retry keeps no answer
                    # (the request completes its record afterwards, reading it).
                    answering = None
                    raise
                if kept and answering is not None:
                    answering.progress.completed = True
                return payment

        return await retry_on_conflict(attempt)

    async def _call_gateway(
        self,
        payment: Payment,
        operation: str,
        call: Callable[[], Awaitable[GatewayIntent]],
        terms: FeeTerms | None = None,
        answering: IdempotencyContext | None = None,
    ) -> Payment:
        """Run one gateway call and record its answer, or that the answer is unknown.

        With `terms`, `payment` is taken as saved as is (see `_change`); `answering`'s
        answer is kept with the record of the gateway's."""
        known = payment if terms is not None else None
        try:
            intent = await call()
        except GatewayOutcomeUnknownError:
            now = self._clock.now()
            return await self._change(
                payment.tenant_id,
                payment.id,
                lambda p, _: p.mark_outcome_unknown(operation, now),
                known,
                terms,
                answering=answering,
            )
        now = self._clock.now()
        return await self._change(
            payment.tenant_id,
            payment.id,
            lambda p, t: p.sync(intent, t, now),
            known,
            terms,
            answering=answering,
        )
