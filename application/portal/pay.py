"""Paying through the portal: an intent for what is due, then a confirmation that asks the
gateway for the truth and records the payment on the invoice."""

from __future__ import annotations

from dataclasses import dataclass

from application.audit import AuditTrail
from application.customers.customers import load_customer
from application.errors import NotFoundError
from application.fees.terms import FeeTermsResolver
from application.payments.confirm_payment import ConfirmPayment, ConfirmPaymentCommand
from application.payments.create_payment import CreatePayment, CreatePaymentCommand
from application.portal.authenticate import PortalSession, record_portal_act
from application.portal.invoice_payments import record_on_invoice
from application.portal.view import portal_invoice
from application.ports.gateway import PaymentGateway
from application.ports.system import Clock
from application.ports.unit_of_work import UnitOfWorkFactory
from application.retry import retry_on_conflict
from domain.capture_method import CaptureMethod
from domain.payment import Payment
from domain.statuses import PaymentStatus


@dataclass(frozen=True, slots=True)
class PortalPaymentCommand:
    session: PortalSession
    amount: int | None = None


class CreatePortalIntent:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        create_payment: CreatePayment,
        audit: AuditTrail,
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._create_payment = create_payment
        self._audit = audit

    async def execute(self, cmd: PortalPaymentCommand) -> Payment:
        session = cmd.session
        session.token.ensure_can_pay(self._clock.now())
        async with self._uow_factory() as uow:
            invoice = await portal_invoice(uow, session)
            customer = await load_customer(uow, session.tenant_id, session.customer_id)
        amount = invoice.payable_amount(cmd.amount)
        payment = await self._create_payment.execute(
            CreatePaymentCommand(
                tenant_id=session.tenant_id,
                order_id=f"invoice_{invoice.id}",
                amount=amount.amount,
                currency=amount.currency,
                capture_method=CaptureMethod.AUTOMATIC,
                confirm=False,
                customer_id=session.customer_id,
                gateway_customer_id=customer.gateway_customer_id,
                invoice_id=invoice.id,
                description=f"Invoice {invoice.number}",
                allow_additional=True,
            )
        )
        async with self._uow_factory() as uow:
            await record_portal_act(
                self._audit, uow, session, "portal.intent_created", "payment", payment.id,
                invoice_id=invoice.id, amount=amount.amount, currency=amount.currency,
            )  # fmt: skip
            await uow.commit()
        return payment


class ConfirmPortalPayment:
    """Never trusts the client: the payment's state comes from the gateway."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        gateway: PaymentGateway,
        clock: Clock,
        fees: FeeTermsResolver,
        confirm_payment: ConfirmPayment,
        audit: AuditTrail,
    ) -> None:
        self._uow_factory = uow_factory
        self._gateway = gateway
        self._clock = clock
        self._fees = fees
        self._confirm_payment = confirm_payment
        self._audit = audit

    async def execute(
        self, session: PortalSession, payment_intent_id: str, payment_method: str | None
    ) -> Payment:
        # A used link may still learn how its own payment ended (the gateway's webhook
        # often records it first); only charging a card needs a link that takes payments.
        session.token.ensure_viewable(self._clock.now())
        async with self._uow_factory() as uow:
            payment = await uow.payments.get_by_gateway_id(payment_intent_id)
        if (
            payment is None
            or payment.tenant_id != session.tenant_id
            or payment.customer_id != session.customer_id
            or payment.invoice_id is None
        ):
            raise NotFoundError(
                f"No such payment intent: {payment_intent_id}.", param="payment_intent_id"
            )
        if payment_method and payment.status in (
            PaymentStatus.REQUIRES_PAYMENT_METHOD,
            PaymentStatus.REQUIRES_CONFIRMATION,
        ):
            session.token.ensure_can_pay(self._clock.now())
            card = await self._own_card(session, payment_method)
            await self._confirm_payment.execute(
                ConfirmPaymentCommand(session.tenant_id, payment.id, card)
            )
        intent = await self._gateway.retrieve_intent(payment_intent_id)

        async def settle() -> Payment:
            async with self._uow_factory() as uow:
                current = await uow.payments.get(session.tenant_id, payment.id, for_update=True)
                assert current is not None
                fees = await self._fees.resolve(uow, current.tenant_id, current.currency)
                current.sync(intent, fees.terms, self._clock.now())
                await uow.payments.save(current)
                await record_on_invoice(uow, current)
                await record_portal_act(
                    self._audit, uow, session, "portal.payment_confirmed", "payment", current.id,
                    status=current.status.value,
                )  # fmt: skip
                await uow.commit()
                return current

        return await retry_on_conflict(settle)

    async def _own_card(self, session: PortalSession, payment_method: str) -> str:
        """A saved card (`spm_…`, as GET /methods names it) is the customer's own, charged
        by its gateway id; anything else goes to the gateway as it came (Stripe.js)."""
        if not payment_method.startswith("spm_"):
            return payment_method
        async with self._uow_factory() as uow:
            saved = await uow.payment_methods.get(session.tenant_id, payment_method)
        if saved is None or saved.customer_id != session.customer_id or not saved.is_active:
            raise NotFoundError(
                f"No such payment method: {payment_method}.", param="payment_method"
            )
        return saved.gateway_payment_method_id
