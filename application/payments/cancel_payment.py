"""Cancel a payment that is not final, releasing any authorization."""

from __future__ import annotations

from dataclasses import dataclass

from application.errors import ConflictError, GatewayOutcomeUnknownError, GatewayRejectedError
from application.payments.payment_use_case import PaymentUseCase, gateway_key, load_payment
from domain.audit import Actor
from domain.payment import Payment
from domain.statuses import PaymentStatus


@dataclass(frozen=True, slots=True)
class CancelPaymentCommand:
    tenant_id: str
    payment_id: str
    cancellation_reason: str | None = None
    actor: Actor | None = None  # who asked, for the audit trail


class CancelPayment(PaymentUseCase):
    async def execute(self, cmd: CancelPaymentCommand) -> Payment:
        async with self._uow_factory() as uow:
            payment = await load_payment(uow, cmd.tenant_id, cmd.payment_id)
        payment.ensure_cancelable(cmd.cancellation_reason)
        gateway_id = payment.gateway_payment_id
        now = self._clock.now()
        canceled = (cmd.actor, "payment.canceled")
        if gateway_id is None:
            return await self._change(
                cmd.tenant_id,
                cmd.payment_id,
                lambda p, _: p.record_cancellation(cmd.cancellation_reason, now),
                audited=canceled,
            )
        try:
            intent = await self._gateway.cancel_intent(
                gateway_id, cmd.cancellation_reason, gateway_key(payment.id, "cancel")
            )
        except GatewayOutcomeUnknownError:
            return await self._change(
                cmd.tenant_id, cmd.payment_id, lambda p, _: p.mark_outcome_unknown("cancel", now)
            )
        except GatewayRejectedError:
            # Refused because the payment moved on at the gateway (captured, say): learn how.
            intent = await self._gateway.retrieve_intent(gateway_id)
        if intent.status is not PaymentStatus.CANCELED:
            synced = await self._change(
                cmd.tenant_id, cmd.payment_id, lambda p, terms: p.sync(intent, terms, now)
            )
            raise ConflictError(
                f"The gateway reports payment {synced.id} as "
                f"{synced.status.value}; it was not canceled."
            )
        return await self._change(
            cmd.tenant_id,
            cmd.payment_id,
            lambda p, _: p.record_cancellation(cmd.cancellation_reason, now),
            audited=canceled,
        )
