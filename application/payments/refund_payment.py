"""Refund (part of) a captured payment within the refund window."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from application.errors import GatewayOutcomeUnknownError, GatewayRejectedError
from application.fees.terms import FeeTermsResolver
from application.payments.base import PaymentUseCase, gateway_key, load_payment
from application.ports import Clock, IdFactory, PaymentGateway, UnitOfWorkFactory
from application.retry import retry_on_conflict
from domain.payment import Payment
from domain.refund import Refund
from domain.statuses import RefundState


@dataclass(frozen=True, slots=True)
class RefundPaymentCommand:
    tenant_id: str
    payment_id: str
    amount: int | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class RefundResult:
    payment: Payment
    refund: Refund


class RefundPayment(PaymentUseCase):
    """Reserve the refund first (so concurrent refunds can never exceed the capture),
    then ask the gateway, then record its answer."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        gateway: PaymentGateway,
        clock: Clock,
        ids: IdFactory,
        fees: FeeTermsResolver,
        window: timedelta,
    ) -> None:
        super().__init__(uow_factory, gateway, clock, ids, fees)
        self._window = window

    async def execute(self, cmd: RefundPaymentCommand) -> RefundResult:
        refund_id = self._ids.new("re")

        async def reserve() -> Payment:
            async with self._uow_factory() as uow:
                payment = await load_payment(uow, cmd.tenant_id, cmd.payment_id)
                payment.request_refund(
                    refund_id=refund_id,
                    amount=cmd.amount,
                    reason=cmd.reason,
                    now=self._clock.now(),
                    window=self._window,
                )
                await uow.payments.save(payment)
                await uow.commit()
                return payment

        payment = await retry_on_conflict(reserve)
        refund = payment.refund(refund_id)
        assert payment.gateway_payment_id is not None, "a captured payment has an intent"
        try:
            answer = await self._gateway.create_refund(
                payment.gateway_payment_id,
                refund.amount,
                cmd.reason,
                gateway_key(payment.id, f"refund_{refund_id}"),
                refund_application_fee=payment.connected_account_id is not None,
            )
        except GatewayOutcomeUnknownError:
            return RefundResult(payment, refund)  # stays pending; reconciliation settles it
        except GatewayRejectedError as exc:
            now, code = self._clock.now(), exc.code
            await self._change(
                cmd.tenant_id, cmd.payment_id, lambda p, _: p.fail_refund(refund_id, code, now)
            )
            raise
        now = self._clock.now()

        def record(p: Payment, _: object) -> None:
            if answer.status is RefundState.SUCCEEDED:
                p.complete_refund(refund_id, answer.gateway_refund_id, now)
            elif answer.status is RefundState.FAILED:
                p.refund(refund_id).gateway_refund_id = answer.gateway_refund_id
                p.fail_refund(refund_id, answer.failure_reason, now)
            else:
                p.refund(refund_id).gateway_refund_id = answer.gateway_refund_id

        payment = await self._change(cmd.tenant_id, cmd.payment_id, record)
        return RefundResult(payment, payment.refund(refund_id))
