"""Capture an authorized payment, fully or in part (the rest is released)."""

from __future__ import annotations

from dataclasses import dataclass

from application.errors import ConflictError, GatewayOutcomeUnknownError
from application.payments.payment_use_case import PaymentUseCase, gateway_key, load_payment
from application.ports.gateway import CaptureRequest
from application.retry import retry_on_conflict
from domain.audit import Actor
from domain.payment import Payment
from domain.statuses import PaymentStatus


@dataclass(frozen=True, slots=True)
class CapturePaymentCommand:
    tenant_id: str
    payment_id: str
    amount: int | None = None
    actor: Actor | None = None  # who asked, for the audit trail


class CapturePayment(PaymentUseCase):
    """Two concurrent captures share the gateway key, so the gateway captures once and
    both are answered with the captured payment; the gateway's answer is recorded with
    the payment locked, monotonically, so it is never refused once the gateway acted
    (a `payment_intent.succeeded` webhook recorded first changes nothing)."""

    async def execute(self, cmd: CapturePaymentCommand) -> Payment:
        return await retry_on_conflict(lambda: self._attempt(cmd))

    async def _attempt(self, cmd: CapturePaymentCommand) -> Payment:
        async with self._uow_factory() as uow:
            payment = await load_payment(uow, cmd.tenant_id, cmd.payment_id)
            fees = await self._fees.resolve(uow, cmd.tenant_id, payment.currency)
        amount = payment.ensure_capturable(cmd.amount)
        gateway_id = payment.gateway_payment_id
        assert gateway_id is not None, "a payment awaiting capture has an intent"
        application_fee = None
        if payment.connected_account_id:
            application_fee = fees.terms.platform_fee(
                amount, fees.terms.gateway_fee_estimate(amount)
            )
        try:
            intent = await self._gateway.capture_intent(
                CaptureRequest(gateway_id, amount, application_fee),
                gateway_key(payment.id, "capture"),
            )
        except GatewayOutcomeUnknownError:
            now = self._clock.now()
            return await self._change(
                cmd.tenant_id, cmd.payment_id, lambda p, _: p.mark_outcome_unknown("capture", now)
            )
        now = self._clock.now()
        async with self._uow_factory() as uow:
            current = await load_payment(uow, cmd.tenant_id, cmd.payment_id, for_update=True)
            current.sync(intent, fees.terms, now)
            if current.status is not PaymentStatus.SUCCEEDED:
                raise ConflictError(
                    f"The gateway reports payment {current.id} as {intent.status.value}."
                )
            await uow.payments.save(current)
            await self._record_act(
                uow, cmd.actor, "payment.captured", current, amount=current.amount_captured
            )
            await uow.commit()
        return current
