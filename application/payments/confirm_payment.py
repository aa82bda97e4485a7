"""Confirm a payment intent with a payment method."""

from __future__ import annotations

from dataclasses import dataclass

from application.payments.payment_use_case import PaymentUseCase, gateway_key, load_payment
from domain.errors import DomainError
from domain.payment import Payment


class PaymentMethodRequiredError(DomainError):
    code = "payment_method_required"
    param = "payment_method"


@dataclass(frozen=True, slots=True)
class ConfirmPaymentCommand:
    tenant_id: str
    payment_id: str
    payment_method: str | None = None


class ConfirmPayment(PaymentUseCase):
    """Confirming takes money, so an intent made without `allow_additional` claims its
    order first: a second payment for the order is refused before the gateway is asked."""

    async def execute(self, cmd: ConfirmPaymentCommand) -> Payment:
        async with self._uow_factory() as uow:
            payment = await load_payment(uow, cmd.tenant_id, cmd.payment_id)
        payment.ensure_confirmable()
        method = cmd.payment_method or payment.payment_method
        if not method:
            raise PaymentMethodRequiredError("Confirming needs a payment_method.")
        if payment.exclusive and not payment.order_claim:
            payment = await self._claim_order(payment)
        gateway_id = payment.gateway_payment_id
        if gateway_id is None:
            raise DomainError(f"Payment {payment.id} has no gateway intent yet; retry.")
        return await self._call_gateway(
            payment,
            "confirm",
            lambda: self._gateway.confirm_intent(
                gateway_id, method, gateway_key(payment.id, f"confirm_{method}")
            ),
        )

    async def _claim_order(self, payment: Payment) -> Payment:
        async with self._uow_factory() as uow:
            current = await load_payment(uow, payment.tenant_id, payment.id, for_update=True)
            current.ensure_confirmable()
            # `current` is confirmable, so it does not settle its order itself.
            await uow.payments.refuse_settled_order(current.tenant_id, current.order_id)
            current.claim_order()
            await uow.payments.save(current)
            await uow.commit()
        return current
