"""Create a payment: an intent to confirm later, an authorization, or a charge."""

from __future__ import annotations

from dataclasses import dataclass, field

from application.customers.customers import load_customer
from application.errors import GatewayRejectedError, NotFoundError
from application.fees.terms import TenantFees
from application.idempotency import (
    IdempotencyContext,
    KeyTakenError,
    attach_payment,
    claim_committed,
    detach_payment,
)
from application.payments.payment_use_case import PaymentUseCase, gateway_key, load_payment
from application.ports.gateway import IntentRequest
from domain.capture_method import CaptureMethod
from domain.errors import DomainError
from domain.money import Money
from domain.payment import Payment


@dataclass(frozen=True, slots=True)
class CreatePaymentCommand:
    tenant_id: str
    order_id: str
    amount: int
    currency: str
    capture_method: CaptureMethod
    confirm: bool
    payment_method: str | None = None
    customer_id: str | None = None
    gateway_customer_id: str | None = None  # the gateway's customer, for their saved cards
    invoice_id: str | None = None
    description: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    allow_additional: bool = False
    idempotency: IdempotencyContext | None = None


class CreatePayment(PaymentUseCase):
    """Create the payment, then its intent at the gateway (confirmed, for authorize/charge).

    The payment is saved before the gateway is called, together with the idempotency
    record, so a retry after any failure continues with it under the same gateway key.
    """

    async def execute(self, cmd: CreatePaymentCommand) -> Payment:
        resumed = cmd.idempotency.payment_id if cmd.idempotency else None
        if resumed is not None:
            async with self._uow_factory() as uow:
                payment = await load_payment(uow, cmd.tenant_id, resumed)
                if payment.gateway_payment_id is not None and not payment.outcome_unknown:
                    return payment
                fees = await self._fees.resolve(uow, payment.tenant_id, payment.currency)
            return await self._open_intent(payment, fees, cmd, saved_as_is=False)
        payment, fees = await self._create(cmd)
        return await self._open_intent(payment, fees, cmd, saved_as_is=True)

    async def _create(self, cmd: CreatePaymentCommand) -> tuple[Payment, TenantFees]:
        try:
            return await self._save_new(cmd)
        except DomainError as exc:
            if cmd.idempotency is not None and cmd.idempotency.progress.pending:
                # A deferred claim is undone with the refused transaction, and a store
                # may report a taken key only at commit: the full way (`begin`) tells a
                # key with an answer to replay from a new one, before refusing.
                raise KeyTakenError(cmd.idempotency.key) from exc
            raise

    async def _save_new(self, cmd: CreatePaymentCommand) -> tuple[Payment, TenantFees]:
        amount = Money(cmd.amount, cmd.currency)
        payment_id = self._ids.new("pay")
        async with self._uow_factory() as uow:
            fees = await self._fees.resolve(uow, cmd.tenant_id, amount.currency)
            fees.tenant.ensure_active()
            if cmd.customer_id is not None:  # the tenant's own customer, or 404 before anything
                await load_customer(uow, cmd.tenant_id, cmd.customer_id)
            if not cmd.allow_additional:  # checked with the insert: no read first
                await uow.payments.refuse_settled_order(cmd.tenant_id, cmd.order_id)
            payment = Payment.create(
                id=payment_id,
                tenant_id=cmd.tenant_id,
                order_id=cmd.order_id,
                amount=amount,
                capture_method=cmd.capture_method,
                now=self._clock.now(),
                gateway=self._gateway.name,
                payment_method=cmd.payment_method,
                customer_id=cmd.customer_id,
                invoice_id=cmd.invoice_id,
                description=cmd.description,
                metadata=cmd.metadata,
                connected_account_id=fees.tenant.connected_account_id,
                exclusive=not cmd.allow_additional,
            )
            if cmd.confirm:
                payment.claim_order()  # the store refuses a second claim: 409 before the gateway
            # A deferred key is claimed here, with the payment, in this one transaction;
            # a refusal above sends a deferred key the full way first (see `_create`).
            await attach_payment(uow, cmd.idempotency, payment_id)
            await uow.payments.add(payment)
            await uow.commit()
        claim_committed(cmd.idempotency)
        return payment, fees

    async def _open_intent(
        self, payment: Payment, fees: TenantFees, cmd: CreatePaymentCommand, *, saved_as_is: bool
    ) -> Payment:
        """`fees` were resolved earlier in this request; `saved_as_is`: `payment` is exactly
        what this request saved, so recording the gateway's answer need not read it again."""
        connected = payment.connected_account_id
        application_fee = None
        if connected and cmd.capture_method is CaptureMethod.AUTOMATIC:
            gateway_fee = fees.terms.gateway_fee_estimate(payment.amount)
            application_fee = fees.terms.platform_fee(payment.amount, gateway_fee)
        request = IntentRequest(
            amount=payment.amount,
            capture_method=payment.capture_method,
            confirm=cmd.confirm,
            payment_method=payment.payment_method,
            gateway_customer_id=cmd.gateway_customer_id,
            description=payment.description,
            metadata={
                **payment.metadata,
                "kassa_payment_id": payment.id,
                "kassa_tenant_id": payment.tenant_id,
                "order_id": payment.order_id,
            },
            application_fee=application_fee,
            connected_account=connected,
        )
        try:
            return await self._call_gateway(
                payment,
                "create",
                lambda: self._gateway.create_intent(request, gateway_key(payment.id, "create")),
                fees.terms if saved_as_is else None,
                answering=cmd.idempotency,
            )
        except GatewayRejectedError:
            await self._discard(payment, cmd.idempotency)
            raise

    async def _discard(self, payment: Payment, ctx: IdempotencyContext | None) -> None:
        """The gateway refused the request outright: nothing happened, so keep nothing."""
        async with self._uow_factory() as uow:
            stored = await uow.payments.get(payment.tenant_id, payment.id)
            if stored is None:
                raise NotFoundError(f"No such payment: {payment.id}.")
            await uow.payments.discard(stored)
            await detach_payment(uow, ctx)
            await uow.commit()
