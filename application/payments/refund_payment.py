"""Refund (part of) a captured payment within the refund window."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from application.audit import AuditTrail
from application.errors import (
    GatewayError,
    GatewayOutcomeUnknownError,
    GatewayRejectedError,
)
from application.fees.terms import FeeTermsResolver
from application.payments.payment_use_case import PaymentUseCase, gateway_key, load_payment
from application.ports.gateway import PaymentGateway, RefundRequest
from application.ports.system import Clock, IdFactory
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.audit import Actor
from domain.payment import Payment
from domain.refund import Refund


@dataclass(frozen=True, slots=True)
class RefundPaymentCommand:
    tenant_id: str
    payment_id: str
    amount: int | None = None
    reason: str | None = None
    actor: Actor | None = None  # who asked, for the audit trail


@dataclass(frozen=True, slots=True)
class RefundResult:
    payment: Payment
    refund: Refund


class RefundPayment(PaymentUseCase):
    """Reserve the refund first (so concurrent refunds can never exceed the capture),
    then ask the gateway, then record its answer.

    The reservation reads the payment locked, so refunds beyond the balance are refused
    (400) and never race (409); the answer is recorded the same way, so it is never
    lost to contention. If it is lost anyway (a timeout, a crash), the refund stays
    pending under its derived gateway key and reconciliation finds it at the gateway by
    its `kassa_refund_id`."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        gateway: PaymentGateway,
        clock: Clock,
        ids: IdFactory,
        fees: FeeTermsResolver,
        window: timedelta,
        audit: AuditTrail | None = None,
    ) -> None:
        super().__init__(uow_factory, gateway, clock, ids, fees, audit)
        self._window = window

    async def execute(self, cmd: RefundPaymentCommand) -> RefundResult:
        refund_id = self._ids.new("re")
        async with self._uow_factory() as uow:
            payment = await load_payment(uow, cmd.tenant_id, cmd.payment_id, for_update=True)
            payment.request_refund(
                refund_id=refund_id,
                amount=cmd.amount,
                reason=cmd.reason,
                now=self._clock.now(),
                window=self._window,
            )
            await uow.payments.save(payment)
            refund = payment.refund(refund_id)
            await self._record_act(
                uow, cmd.actor, "payment.refund_requested", payment,
                refund_id=refund_id, amount=refund.amount.amount,
            )  # fmt: skip
            await uow.commit()
        try:
            answer = await self._gateway.create_refund(refund_request(payment, refund))
        except GatewayOutcomeUnknownError:
            return RefundResult(payment, refund)  # stays pending; reconciliation settles it
        except (GatewayRejectedError, GatewayError) as exc:
            # Refused, or never sent: nothing happened at the gateway, so the amount
            # goes back to the refundable balance.
            now, code = self._clock.now(), exc.code
            await self._change(
                cmd.tenant_id, cmd.payment_id, lambda p, _: p.fail_refund(refund_id, code, now)
            )
            raise
        now = self._clock.now()
        payment = await self._change(
            cmd.tenant_id,
            cmd.payment_id,
            lambda p, _: p.record_refund_answer(refund_id, answer, now),
            known=payment,
        )
        return RefundResult(payment, payment.refund(refund_id))


def refund_gateway_key(payment_id: str, refund_id: str) -> str:
    """The idempotency key of the gateway call that makes refund `refund_id`."""
    return gateway_key(payment_id, f"refund_{refund_id}")


def refund_request(payment: Payment, refund: Refund) -> RefundRequest:
    """What the gateway is asked for `payment`'s pending `refund`: the same whoever asks
    (the refund itself, or reconciliation resending it), under the same derived key."""
    assert payment.gateway_payment_id is not None, "a refunded payment has an intent"
    return RefundRequest(
        payment.gateway_payment_id,
        refund.amount,
        refund.reason,
        refund_gateway_key(payment.id, refund.id),
        refund_application_fee=payment.connected_account_id is not None,
        refund_id=refund.id,
    )
