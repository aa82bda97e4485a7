"""A deterministic, in-process gateway that behaves like Stripe's test mode (SPEC §13)."""

from __future__ import annotations

import hashlib
import itertools
from dataclasses import dataclass, field
from typing import Any

from application.errors import (
    GatewayError,
    GatewayOutcomeUnknownError,
    GatewayRejectedError,
)
from application.ports import IntentRequest
from domain.gateway_results import GatewayIntent, GatewayRefund
from domain.money import Money
from domain.statuses import CaptureMethod, PaymentStatus, RefundState

_SUCCEEDING = frozenset(
    {"pm_card_visa", "pm_card_mastercard", "pm_card_amex", "pm_card_refundFail"}
)
_DECLINES = {
    "pm_card_chargeDeclined": ("card_declined", "generic_decline", "Your card was declined."),
    "pm_card_chargeDeclinedInsufficientFunds": (
        "card_declined",
        "insufficient_funds",
        "Your card has insufficient funds.",
    ),
}
THREE_D_SECURE = "pm_card_threeDSecureRequired"
TIMEOUT = "pm_card_timeout"
REFUND_FAILS = "pm_card_refundFail"  # Stripe's: the refund is accepted, then fails later
KNOWN_PAYMENT_METHODS = _SUCCEEDING | set(_DECLINES) | {THREE_D_SECURE, TIMEOUT}


@dataclass
class _Call:
    fingerprint: str
    result: Any


@dataclass
class FakeIntent:
    id: str
    amount: Money
    capture_method: CaptureMethod
    status: PaymentStatus
    client_secret: str
    payment_method: str | None = None
    amount_capturable: int = 0
    amount_received: int = 0
    charge_id: str | None = None
    failure: tuple[str, str, str] | None = None
    cancellation_reason: str | None = None
    application_fee: Money | None = None
    connected_account: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass
class FakeRefund:
    id: str
    intent_id: str
    amount: Money
    reason: str | None
    status: RefundState
    refund_application_fee: bool = False


class FakePaymentGateway:
    """Keeps intents, charges and refunds in memory and honours idempotency keys.

    Test payment methods: see KNOWN_PAYMENT_METHODS. `pm_card_timeout` acts, then
    raises GatewayOutcomeUnknownError, as a network timeout after sending would.
    """

    name = "fake"

    def __init__(self) -> None:
        self.intents: dict[str, FakeIntent] = {}
        self.refunds: dict[str, FakeRefund] = {}
        self.calls: list[tuple[str, str]] = []  # (operation, idempotency key)
        self._idempotent: dict[str, _Call] = {}
        self._sequence = itertools.count(1)
        self.available = True

    # ------------------------------------------------------------ plumbing

    def _next_id(self, prefix: str) -> str:
        return f"{prefix}_fake_{next(self._sequence):08d}"

    def _once(self, operation: str, key: str, params: tuple[Any, ...], act: Any) -> Any:
        if not self.available:
            raise GatewayError("The fake gateway is switched off.")
        self.calls.append((operation, key))
        fingerprint = hashlib.sha256(repr((operation, params)).encode()).hexdigest()
        previous = self._idempotent.get(key)
        if previous is not None:
            if previous.fingerprint != fingerprint:
                raise GatewayRejectedError(
                    "Keys for idempotent requests can only be used with the same parameters."
                )
            return previous.result
        result = act()
        self._idempotent[key] = _Call(fingerprint, result)
        return result

    def _intent(self, gateway_payment_id: str) -> FakeIntent:
        try:
            return self.intents[gateway_payment_id]
        except KeyError:
            raise GatewayRejectedError(
                f"No such payment_intent: {gateway_payment_id}", param="id"
            ) from None

    @staticmethod
    def _snapshot(intent: FakeIntent) -> GatewayIntent:
        code, decline, message = intent.failure or (None, None, None)
        next_action = None
        if intent.status is PaymentStatus.REQUIRES_ACTION:
            next_action = {
                "type": "use_stripe_sdk",
                "use_stripe_sdk": {
                    "type": "three_d_secure_redirect",
                    "stripe_js": f"fake://3ds/{intent.id}",
                },
            }
        return GatewayIntent(
            gateway_payment_id=intent.id,
            status=intent.status,
            amount=intent.amount,
            amount_capturable=intent.amount_capturable,
            amount_received=intent.amount_received,
            client_secret=intent.client_secret,
            charge_id=intent.charge_id,
            payment_method=intent.payment_method,
            failure_code=code,
            failure_message=message,
            decline_code=decline,
            cancellation_reason=intent.cancellation_reason,
            next_action=next_action,
        )

    def _settle(self, intent: FakeIntent) -> None:
        """The card was authorized: hold it, or take it at once."""
        intent.charge_id = intent.charge_id or self._next_id("ch")
        if intent.capture_method is CaptureMethod.MANUAL:
            intent.status = PaymentStatus.REQUIRES_CAPTURE
            intent.amount_capturable = intent.amount.amount
        else:
            intent.status = PaymentStatus.SUCCEEDED
            intent.amount_received = intent.amount.amount

    def _confirm(self, intent: FakeIntent, method: str) -> None:
        if method not in KNOWN_PAYMENT_METHODS:
            raise GatewayRejectedError(f"No such PaymentMethod: '{method}'", param="payment_method")
        intent.payment_method = method
        intent.failure = None
        if method in _DECLINES:
            intent.status = PaymentStatus.FAILED
            intent.failure = _DECLINES[method]
        elif method == THREE_D_SECURE:
            intent.status = PaymentStatus.REQUIRES_ACTION
        else:
            self._settle(intent)

    def _confirmed(self, intent: FakeIntent) -> GatewayIntent:
        if intent.payment_method == TIMEOUT:
            raise GatewayOutcomeUnknownError("The gateway did not answer in time.")
        return self._snapshot(intent)

    # ------------------------------------------------------------ the port

    async def create_intent(self, request: IntentRequest, idempotency_key: str) -> GatewayIntent:
        def act() -> FakeIntent:
            intent_id = self._next_id("pi")
            intent = FakeIntent(
                id=intent_id,
                amount=request.amount,
                capture_method=request.capture_method,
                status=(
                    PaymentStatus.REQUIRES_CONFIRMATION
                    if request.payment_method
                    else PaymentStatus.REQUIRES_PAYMENT_METHOD
                ),
                client_secret=f"{intent_id}_secret_{hashlib.sha256(intent_id.encode()).hexdigest()[:16]}",
                payment_method=request.payment_method,
                application_fee=request.application_fee,
                connected_account=request.connected_account,
                metadata=dict(request.metadata),
            )
            if request.confirm:
                if not request.payment_method:
                    raise GatewayRejectedError(
                        "Confirming needs a payment_method.", param="payment_method"
                    )
                self._confirm(intent, request.payment_method)
            self.intents[intent.id] = intent
            return intent

        params = (
            request.amount,
            request.capture_method,
            request.confirm,
            request.payment_method,
            request.application_fee,
            request.connected_account,
        )
        intent = self._once("create_intent", idempotency_key, params, act)
        return self._confirmed(intent)

    async def confirm_intent(
        self, gateway_payment_id: str, payment_method: str, idempotency_key: str
    ) -> GatewayIntent:
        def act() -> FakeIntent:
            intent = self._intent(gateway_payment_id)
            if intent.status not in (
                PaymentStatus.REQUIRES_PAYMENT_METHOD,
                PaymentStatus.REQUIRES_CONFIRMATION,
                PaymentStatus.FAILED,
            ):
                raise GatewayRejectedError(
                    f"This PaymentIntent's status is {intent.status.value}; it cannot be confirmed."
                )
            self._confirm(intent, payment_method)
            return intent

        intent = self._once(
            "confirm_intent", idempotency_key, (gateway_payment_id, payment_method), act
        )
        return self._confirmed(intent)

    async def capture_intent(
        self,
        gateway_payment_id: str,
        amount: Money,
        idempotency_key: str,
        application_fee: Money | None = None,
    ) -> GatewayIntent:
        def act() -> GatewayIntent:
            intent = self._intent(gateway_payment_id)
            if intent.status is not PaymentStatus.REQUIRES_CAPTURE:
                raise GatewayRejectedError(
                    f"This PaymentIntent's status is {intent.status.value}; it cannot be captured."
                )
            if amount.amount > intent.amount_capturable:
                raise GatewayRejectedError(
                    "amount_to_capture exceeds the authorized amount.", param="amount"
                )
            intent.status = PaymentStatus.SUCCEEDED
            intent.amount_received = amount.amount
            intent.amount_capturable = 0
            if application_fee is not None:
                intent.application_fee = application_fee
            return self._snapshot(intent)

        result: GatewayIntent = self._once(
            "capture_intent", idempotency_key, (gateway_payment_id, amount, application_fee), act
        )
        return result

    async def cancel_intent(
        self, gateway_payment_id: str, reason: str | None, idempotency_key: str
    ) -> GatewayIntent:
        def act() -> GatewayIntent:
            intent = self._intent(gateway_payment_id)
            if intent.status in (PaymentStatus.SUCCEEDED, PaymentStatus.CANCELED):
                return self._snapshot(intent)
            intent.status = PaymentStatus.CANCELED
            intent.cancellation_reason = reason
            intent.amount_capturable = 0
            return self._snapshot(intent)

        result: GatewayIntent = self._once(
            "cancel_intent", idempotency_key, (gateway_payment_id, reason), act
        )
        return result

    async def retrieve_intent(self, gateway_payment_id: str) -> GatewayIntent:
        if not self.available:
            raise GatewayError("The fake gateway is switched off.")
        return self._snapshot(self._intent(gateway_payment_id))

    async def create_refund(
        self,
        gateway_payment_id: str,
        amount: Money,
        reason: str | None,
        idempotency_key: str,
        refund_application_fee: bool = False,
    ) -> GatewayRefund:
        def act() -> FakeRefund:
            intent = self._intent(gateway_payment_id)
            if intent.status is not PaymentStatus.SUCCEEDED:
                raise GatewayRejectedError("Only a succeeded payment can be refunded.")
            already = sum(
                r.amount.amount
                for r in self.refunds.values()
                if r.intent_id == intent.id and r.status is not RefundState.FAILED
            )
            if already + amount.amount > intent.amount_received:
                raise GatewayRejectedError("Refund amount exceeds the charge.", param="amount")
            status = (
                RefundState.PENDING
                if intent.payment_method == REFUND_FAILS
                else RefundState.SUCCEEDED
            )
            refund = FakeRefund(
                self._next_id("re"), intent.id, amount, reason, status, refund_application_fee
            )
            self.refunds[refund.id] = refund
            return refund

        refund = self._once(
            "create_refund",
            idempotency_key,
            (gateway_payment_id, amount, reason, refund_application_fee),
            act,
        )
        return self._refund_snapshot(refund)

    async def retrieve_refund(self, gateway_refund_id: str) -> GatewayRefund:
        try:
            return self._refund_snapshot(self.refunds[gateway_refund_id])
        except KeyError:
            raise GatewayRejectedError(f"No such refund: {gateway_refund_id}") from None

    @staticmethod
    def _refund_snapshot(refund: FakeRefund) -> GatewayRefund:
        return GatewayRefund(
            gateway_refund_id=refund.id,
            gateway_payment_id=refund.intent_id,
            amount=refund.amount,
            status=refund.status,
            reason=refund.reason,
            failure_reason="expired_or_canceled_card"
            if refund.status is RefundState.FAILED
            else None,
        )

    async def ping(self) -> None:
        if not self.available:
            raise GatewayError("The fake gateway is switched off.")

    # ------------------------------------------------ what a customer would do

    def complete_action(self, gateway_payment_id: str, succeed: bool = True) -> GatewayIntent:
        """The customer finishes (or fails) 3-D Secure, as Stripe.js would."""
        intent = self._intent(gateway_payment_id)
        if intent.status is not PaymentStatus.REQUIRES_ACTION:
            raise GatewayRejectedError("This PaymentIntent does not require an action.")
        if succeed:
            self._settle(intent)
        else:
            intent.status = PaymentStatus.FAILED
            intent.failure = (
                "authentication_required",
                "authentication_required",
                "The customer did not complete 3-D Secure.",
            )
        return self._snapshot(intent)

    def settle_refund(self, gateway_refund_id: str, succeed: bool) -> GatewayRefund:
        """A pending refund resolves at the bank, as `pm_card_refundFail`'s do."""
        refund = self.refunds[gateway_refund_id]
        refund.status = RefundState.SUCCEEDED if succeed else RefundState.FAILED
        return self._refund_snapshot(refund)

    def intent_for(self, gateway_payment_id: str) -> GatewayIntent:
        return self._snapshot(self._intent(gateway_payment_id))
