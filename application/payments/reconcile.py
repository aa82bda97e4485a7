"""Reconciliation: ask the gateway about payments whose state may have drifted, report the
drift, and with `fix` settle it. Also cancels authorizations older than seven days."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from application.errors import GatewayOutcomeUnknownError, GatewayRejectedError
from application.payments.payment_use_case import PaymentUseCase, gateway_key
from application.payments.refund_payment import refund_request
from application.ports.repositories import DriftCutoffs
from domain.gateway_results import GatewayIntent, GatewayRefund
from domain.payment import Payment
from domain.reasons import AUTOMATIC_CANCELLATION
from domain.refund import Refund
from domain.statuses import PaymentStatus, RefundState

STUCK_AFTER = timedelta(minutes=10)
AUTHORIZATION_LIFETIME = timedelta(days=7)
BATCH = 100


class _RefusedAtGatewayError(GatewayRejectedError):
    """The gateway refused a refund sent by reconciliation: nothing happened there."""


@dataclass(frozen=True, slots=True)
class Drift:
    payment_id: str
    tenant_id: str
    kassa_status: str
    gateway_status: str
    action: str
    fixed: bool


class ReconcilePayments(PaymentUseCase):
    async def execute(
        self, fix: bool, progress: Callable[[Payment], None] | None = None
    ) -> list[Drift]:
        now = self._clock.now()
        cutoffs = DriftCutoffs(now - STUCK_AFTER, now - AUTHORIZATION_LIFETIME)
        drifts: list[Drift] = []
        after: str | None = None
        while True:
            async with self._uow_factory() as uow:
                batch = await uow.payments.needing_reconciliation(cutoffs, BATCH, after)
            if not batch:
                return drifts
            for payment in batch:
                drifts.extend(await self._reconcile(payment, fix))
                if progress:
                    progress(payment)
            after = batch[-1].id

    async def _reconcile(self, payment: Payment, fix: bool) -> list[Drift]:
        found: list[Drift] = []
        intent = await self._gateway_view(payment)
        if intent is None:
            return [self._drift(payment, "missing", "no intent at the gateway", fixed=False)]
        if intent.status is not payment.status or payment.outcome_unknown:
            if fix:
                now = self._clock.now()
                payment = await self._change(
                    payment.tenant_id, payment.id, lambda p, terms: p.sync(intent, terms, now)
                )
            found.append(self._drift(payment, intent.status.value, "synced", fixed=fix))
        if (
            payment.status is PaymentStatus.REQUIRES_CAPTURE
            and self._clock.now() - payment.created_at > AUTHORIZATION_LIFETIME
        ):
            if fix:
                payment = await self._expire(payment)
            found.append(
                self._drift(
                    payment, intent.status.value, "authorization expired: canceled", fixed=fix
                )
            )
        for refund in payment.refunds:
            if refund.status is not RefundState.PENDING:
                continue
            try:
                answer = await self._gateway_refund(payment, refund, fix)
            except _RefusedAtGatewayError as refused:
                payment = await self._fail_refund(payment, refund.id, refused.code)
                action = f"refund {refund.id} refused by the gateway: failed"
                found.append(self._drift(payment, intent.status.value, action, fixed=True))
                continue
            if answer is None:
                action = f"refund {refund.id} not at the gateway: to be sent"
                found.append(self._drift(payment, intent.status.value, action, fixed=False))
                continue
            if answer.status is RefundState.PENDING and refund.gateway_refund_id is not None:
                continue
            if fix:
                payment = await self._settle_refund(payment, refund.id, answer)
            found.append(
                self._drift(
                    payment,
                    intent.status.value,
                    f"refund {refund.id} {answer.status.value}",
                    fixed=fix,
                )
            )
        return found

    async def _gateway_refund(
        self, payment: Payment, refund: Refund, fix: bool
    ) -> GatewayRefund | None:
        """What the gateway holds for a pending refund. One whose answer was lost is found
        by its `kassa_refund_id`; one that never reached the gateway is sent now (with
        `fix`) under its derived key, so however often this runs the gateway refunds once."""
        if refund.gateway_refund_id is not None:
            return await self._gateway.retrieve_refund(refund.gateway_refund_id)
        assert payment.gateway_payment_id is not None, "a refunded payment has an intent"
        found = await self._gateway.find_refund(payment.gateway_payment_id, refund.id)
        if found is not None or not fix:
            return found
        try:
            return await self._gateway.create_refund(refund_request(payment, refund))
        except GatewayOutcomeUnknownError:
            return None  # the next run asks again
        except GatewayRejectedError as exc:
            raise _RefusedAtGatewayError(exc.message) from exc

    async def _settle_refund(
        self, payment: Payment, refund_id: str, answer: GatewayRefund
    ) -> Payment:
        now = self._clock.now()
        return await self._change(
            payment.tenant_id,
            payment.id,
            lambda p, _: p.record_refund_answer(refund_id, answer, now),
        )

    async def _fail_refund(self, payment: Payment, refund_id: str, code: str) -> Payment:
        now = self._clock.now()
        return await self._change(
            payment.tenant_id, payment.id, lambda p, _: p.fail_refund(refund_id, code, now)
        )

    async def _gateway_view(self, payment: Payment) -> GatewayIntent | None:
        if payment.gateway_payment_id is not None:
            return await self._gateway.retrieve_intent(payment.gateway_payment_id)
        return await self._gateway.find_intent(payment.id)

    async def _expire(self, payment: Payment) -> Payment:
        assert payment.gateway_payment_id is not None
        await self._gateway.cancel_intent(
            payment.gateway_payment_id, AUTOMATIC_CANCELLATION, gateway_key(payment.id, "cancel")
        )
        now = self._clock.now()
        return await self._change(
            payment.tenant_id,
            payment.id,
            lambda p, _: p.record_cancellation(AUTOMATIC_CANCELLATION, now),
        )

    @staticmethod
    def _drift(payment: Payment, gateway_status: str, action: str, fixed: bool) -> Drift:
        return Drift(
            payment.id, payment.tenant_id, payment.status.value, gateway_status, action, fixed
        )
