"""The fake gateway's rules, as Stripe's test mode applies them, over one transaction's
ledger: what Kassa asks for (the port, in adapters.gateways.fake) and what customers,
banks and dashboards do outside Kassa (3-D Secure, disputes, refunds failing at the bank)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import quote

from adapters.gateways.fake_customers import FakeCustomerBook
from adapters.gateways.fake_events import (
    charge_object,
    dispute_object,
    intent_object,
    new_event,
    refund_object,
)
from adapters.gateways.fake_state import (
    FakeDispute,
    FakeIntent,
    FakeLedger,
    FakeRefund,
    RememberedCall,
    found,
)
from application.errors import GatewayRejectedError
from application.ports.gateway import CaptureRequest, IntentRequest, RefundRequest
from domain.capture_method import CaptureMethod
from domain.fees import STRIPE_STANDARD_PRICING
from domain.gateway_results import GatewayIntent, GatewayPaymentMethod, GatewayRefund
from domain.money import Money
from domain.statuses import PaymentStatus, RefundState

T = TypeVar("T")

_SUCCEEDING = frozenset({"pm_card_visa", "pm_card_mastercard", "pm_card_amex"})
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
REFUND_FAILS = "pm_card_refundFail"  # as Stripe's: refunds are accepted, then fail later
KNOWN_PAYMENT_METHODS = _SUCCEEDING | set(_DECLINES) | {THREE_D_SECURE, TIMEOUT, REFUND_FAILS}
_CONFIRMABLE = (
    PaymentStatus.REQUIRES_PAYMENT_METHOD,
    PaymentStatus.REQUIRES_CONFIRMATION,
    PaymentStatus.FAILED,
)
_AUTHENTICATION_FAILED = (
    "authentication_required",
    "authentication_required",
    "The customer did not complete 3-D Secure.",
)

# A call's answer, and whether the caller hears it (False: it timed out after acting).
Answer = tuple[GatewayIntent, bool]


class FakeBank:
    """One transaction at the fake gateway; `pages_url` is where its pages are served."""

    def __init__(
        self, ledger: FakeLedger, ids: Callable[[str], str], now: datetime, pages_url: str
    ) -> None:
        self.ledger = ledger
        self.next_id = ids
        self.now = now
        self.pages_url = pages_url
        self.book = FakeCustomerBook(ledger, ids)

    # ------------------------------------------------------------ plumbing

    def once(self, operation: str, key: str, params: tuple[Any, ...], act: Callable[[], T]) -> T:
        """Stripe's idempotency: one key, one act; the same key with other parameters is
        refused; a refused act leaves no trace, so the key may be used again."""
        fingerprint = hashlib.sha256(repr((operation, params)).encode()).hexdigest()
        previous = self.ledger.recall(key)
        if previous is not None:
            if previous.fingerprint != fingerprint:
                raise GatewayRejectedError(
                    "Keys for idempotent requests can only be used with the same parameters."
                )
            result: T = previous.result
            return result
        result = act()
        self.ledger.remember(key, operation, RememberedCall(fingerprint, result))
        return result

    def intent(self, gateway_payment_id: str) -> FakeIntent:
        return found(
            self.ledger.intent(gateway_payment_id), f"No such payment_intent: {gateway_payment_id}"
        )

    def refund(self, gateway_refund_id: str) -> FakeRefund:
        return found(self.ledger.refund(gateway_refund_id), f"No such refund: {gateway_refund_id}")

    def emit(self, event_type: str, obj: dict[str, Any]) -> None:
        self.ledger.append_event(new_event(self.next_id("evt"), event_type, obj, self.now))

    def charge(self, intent: FakeIntent) -> dict[str, Any]:
        fee = (
            STRIPE_STANDARD_PRICING.fixed_for(intent.amount.currency)
            + Money(intent.amount_received, intent.amount.currency)
            .basis_points(STRIPE_STANDARD_PRICING.percentage_bps)
            .amount
        )
        return charge_object(intent, self.ledger.refunds_of(intent.id), fee)

    def three_d_secure_url(self, intent: FakeIntent) -> str:
        return f"{self.pages_url}/3ds/{quote(intent.id)}"

    def snapshot(self, intent: FakeIntent) -> GatewayIntent:
        code, decline, message = intent.failure or (None, None, None)
        next_action = None
        if intent.status is PaymentStatus.REQUIRES_ACTION:
            next_action = {
                "type": "redirect_to_url",
                "redirect_to_url": {"url": self.three_d_secure_url(intent), "return_url": None},
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

    def answer(self, snapshot: GatewayIntent) -> Answer:
        method = snapshot.payment_method
        return snapshot, not (method and self.book.behaves_like(method) == TIMEOUT)

    def settle(self, intent: FakeIntent) -> None:
        """The card was authorized: hold it, or take it at once; say so in events."""
        intent.failure = None
        intent.charge_id = self.next_id("ch")
        if intent.capture_method is CaptureMethod.MANUAL:
            intent.status = PaymentStatus.REQUIRES_CAPTURE
            intent.amount_capturable = intent.amount.amount
            self.emit("charge.succeeded", self.charge(intent))
            self.emit("payment_intent.amount_capturable_updated", intent_object(intent))
        else:
            intent.status = PaymentStatus.SUCCEEDED
            intent.amount_received = intent.amount.amount
            self.emit("charge.succeeded", self.charge(intent))
            self.emit("payment_intent.succeeded", intent_object(intent))

    def decline(self, intent: FakeIntent, failure: tuple[str, str, str]) -> None:
        intent.status = PaymentStatus.FAILED
        intent.failure = failure
        intent.charge_id = self.next_id("ch")
        self.emit("charge.failed", self.charge(intent))
        self.emit("payment_intent.payment_failed", intent_object(intent))

    def _known(self, method: str | None) -> str:
        if method is None or self.book.behaves_like(method) not in KNOWN_PAYMENT_METHODS:
            raise GatewayRejectedError(f"No such PaymentMethod: '{method}'", param="payment_method")
        return method

    def _confirm(self, intent: FakeIntent, method: str) -> None:
        intent.payment_method = self._known(method)
        card = self.book.behaves_like(method)
        if card in _DECLINES:
            self.decline(intent, _DECLINES[card])
        elif card == THREE_D_SECURE:
            intent.status = PaymentStatus.REQUIRES_ACTION
            self.emit("payment_intent.requires_action", intent_object(intent))
        else:
            self.settle(intent)

    # ------------------------------------------------------------ what Kassa asks

    def create_intent(self, request: IntentRequest, idempotency_key: str) -> Answer:
        def act() -> GatewayIntent:
            if request.confirm:
                self._known(request.payment_method)
            intent_id = self.next_id("pi")
            digest = hashlib.sha256(intent_id.encode()).hexdigest()[:24]
            intent = FakeIntent(
                id=intent_id,
                amount=request.amount,
                capture_method=request.capture_method,
                status=(
                    PaymentStatus.REQUIRES_CONFIRMATION
                    if request.payment_method
                    else PaymentStatus.REQUIRES_PAYMENT_METHOD
                ),
                client_secret=f"{intent_id}_secret_{digest}",
                application_fee=request.application_fee,
                connected_account=request.connected_account,
                metadata=dict(request.metadata),
            )
            self.ledger.add_intent(intent)
            self.emit("payment_intent.created", intent_object(intent))
            if request.confirm and request.payment_method:
                self._confirm(intent, request.payment_method)
            else:
                intent.payment_method = request.payment_method
            return self.snapshot(intent)

        params = (
            request.amount,
            request.capture_method,
            request.confirm,
            request.payment_method,
            request.application_fee,
            request.connected_account,
        )
        return self.answer(self.once("create_intent", idempotency_key, params, act))

    def confirm_intent(
        self, gateway_payment_id: str, payment_method: str, idempotency_key: str
    ) -> Answer:
        def act() -> GatewayIntent:
            intent = self.intent(gateway_payment_id)
            if intent.status not in _CONFIRMABLE:
                raise GatewayRejectedError(
                    f"This PaymentIntent's status is {intent.status.value}; it cannot be confirmed."
                )
            self._confirm(intent, payment_method)
            return self.snapshot(intent)

        params = (gateway_payment_id, payment_method)
        return self.answer(self.once("confirm_intent", idempotency_key, params, act))

    def capture_intent(self, request: CaptureRequest, idempotency_key: str) -> GatewayIntent:
        r = request

        def act() -> GatewayIntent:
            intent = self.intent(r.gateway_payment_id)
            if intent.status is not PaymentStatus.REQUIRES_CAPTURE:
                raise GatewayRejectedError(
                    f"This PaymentIntent's status is {intent.status.value}; it cannot be captured."
                )
            if r.amount.amount > intent.amount_capturable:
                raise GatewayRejectedError(
                    "amount_to_capture exceeds the authorized amount.", param="amount"
                )
            intent.status = PaymentStatus.SUCCEEDED
            intent.amount_received = r.amount.amount
            intent.amount_capturable = 0
            if r.application_fee is not None:
                intent.application_fee = r.application_fee
            self.emit("charge.captured", self.charge(intent))
            self.emit("payment_intent.succeeded", intent_object(intent))
            return self.snapshot(intent)

        params = (r.gateway_payment_id, r.amount, r.application_fee)
        return self.once("capture_intent", idempotency_key, params, act)

    def cancel_intent(
        self, gateway_payment_id: str, reason: str | None, idempotency_key: str
    ) -> GatewayIntent:
        def act() -> GatewayIntent:
            intent = self.intent(gateway_payment_id)
            if intent.status in (PaymentStatus.SUCCEEDED, PaymentStatus.CANCELED):
                raise GatewayRejectedError(
                    "You cannot cancel this PaymentIntent because it has a status of "
                    f"{intent.status.value}."
                )
            self._cancel(intent, reason)
            return self.snapshot(intent)

        return self.once("cancel_intent", idempotency_key, (gateway_payment_id, reason), act)

    def _cancel(self, intent: FakeIntent, reason: str | None) -> None:
        intent.status = PaymentStatus.CANCELED
        intent.cancellation_reason = reason
        intent.amount_capturable = 0
        self.emit("payment_intent.canceled", intent_object(intent))

    def find_intent(self, payment_id: str) -> GatewayIntent | None:
        intent = self.ledger.intent_for_payment(payment_id)
        return None if intent is None else self.snapshot(intent)

    def make_refund(
        self,
        intent: FakeIntent,
        amount: Money,
        reason: str | None,
        refund_application_fee: bool = False,
        metadata: dict[str, str] | None = None,
    ) -> FakeRefund:
        """Refund at the gateway (from Kassa or from the dashboard) and say so in events."""
        if intent.status is not PaymentStatus.SUCCEEDED:
            raise GatewayRejectedError("Only a succeeded payment can be refunded.")
        already = sum(
            r.amount.amount
            for r in self.ledger.refunds_of(intent.id)
            if r.status is not RefundState.FAILED
        )
        if already + amount.amount > intent.amount_received:
            raise GatewayRejectedError("Refund amount exceeds the charge.", param="amount")
        method = intent.payment_method and self.book.behaves_like(intent.payment_method)
        status = RefundState.PENDING if method == REFUND_FAILS else RefundState.SUCCEEDED
        refund = FakeRefund(
            self.next_id("re"), intent.id, amount, reason, status, refund_application_fee,
            dict(metadata or {}),
        )  # fmt: skip
        self.ledger.add_refund(refund)
        self.emit("refund.created", refund_object(refund))
        if status is RefundState.SUCCEEDED:
            self.emit("charge.refunded", self.charge(intent))
        return refund

    def create_refund(self, request: RefundRequest) -> GatewayRefund:
        r = request
        metadata = {"kassa_refund_id": r.refund_id} if r.refund_id else {}
        return self.once(
            "create_refund",
            r.idempotency_key,
            (r.gateway_payment_id, r.amount, r.reason, r.refund_application_fee, r.refund_id),
            lambda: refund_snapshot(
                self.make_refund(
                    self.intent(r.gateway_payment_id), r.amount, r.reason,
                    r.refund_application_fee, metadata,
                )
            ),
        )  # fmt: skip

    def find_refund(self, gateway_payment_id: str, refund_id: str) -> GatewayRefund | None:
        for refund in self.ledger.refunds_of(gateway_payment_id):
            if refund.metadata.get("kassa_refund_id") == refund_id:
                return refund_snapshot(refund)
        return None

    def charge_fee(self, charge_id: str) -> Money | None:
        intent = self.ledger.intent_with_charge(charge_id)
        if intent is None or not intent.amount_received:
            return None
        txn = self.charge(intent)["balance_transaction"]
        return Money(txn["fee"], intent.amount.currency)

    def create_customer(self, email: str, name: str | None, idempotency_key: str) -> str:
        return self.once(
            "create_customer", idempotency_key, (email, name), lambda: self.book.create(email, name)
        )

    def attach_payment_method(
        self, gateway_customer_id: str, payment_method: str, idempotency_key: str
    ) -> GatewayPaymentMethod:
        return self.once(
            "attach_payment_method",
            idempotency_key,
            (gateway_customer_id, payment_method),
            lambda: self.book.attach(gateway_customer_id, payment_method),
        )

    def create_portal_session(self, gateway_customer_id: str, return_url: str) -> str:
        customer = self.book.customer(gateway_customer_id)
        return f"{self.pages_url}/billing/{quote(customer.id)}?return_url={quote(return_url)}"

    # ------------------------------------------------------------ outside Kassa

    def complete_action(self, gateway_payment_id: str, succeed: bool = True) -> FakeIntent:
        """The customer finishes (or abandons) 3-D Secure, as Stripe.js would."""
        intent = self.intent(gateway_payment_id)
        if intent.status is not PaymentStatus.REQUIRES_ACTION:
            raise GatewayRejectedError("This PaymentIntent does not require an action.")
        if succeed:
            self.settle(intent)
        else:
            self.decline(intent, _AUTHENTICATION_FAILED)
        return intent

    def pay_again(self, gateway_payment_id: str) -> FakeIntent:
        """After a decline the customer retries at the gateway with a card that works."""
        intent = self.intent(gateway_payment_id)
        if intent.status is not PaymentStatus.FAILED:
            raise GatewayRejectedError("Only a declined PaymentIntent can be paid again.")
        intent.payment_method = "pm_card_visa"
        self.settle(intent)
        return intent

    def refund_from_dashboard(self, gateway_payment_id: str, amount: Money) -> FakeRefund:
        intent = self.intent(gateway_payment_id)
        return self.make_refund(intent, amount, "requested_by_customer")

    def settle_refund(self, gateway_refund_id: str, succeed: bool) -> FakeRefund:
        """A pending refund resolves at the bank (as `pm_card_refundFail`'s fail)."""
        refund = self.refund(gateway_refund_id)
        if refund.status is not RefundState.PENDING:
            raise GatewayRejectedError(
                f"This refund is {refund.status.value}; only a pending refund settles."
            )
        refund.status = RefundState.SUCCEEDED if succeed else RefundState.FAILED
        self.emit("refund.updated", refund_object(refund))
        if succeed:
            self.emit("charge.refunded", self.charge(self.intent(refund.intent_id)))
        return refund

    def open_dispute(self, gateway_payment_id: str) -> FakeDispute:
        intent = self.intent(gateway_payment_id)
        if intent.status is not PaymentStatus.SUCCEEDED or intent.charge_id is None:
            raise GatewayRejectedError("Only a captured charge can be disputed.")
        dispute = FakeDispute(
            self.next_id("dp"),
            intent.id,
            intent.charge_id,
            Money(intent.amount_received, intent.amount.currency),
            "needs_response",
        )
        self.ledger.add_dispute(dispute)
        self.emit("charge.dispute.created", dispute_object(dispute))
        return dispute

    def close_dispute(self, dispute_id: str, won: bool) -> FakeDispute:
        dispute = found(self.ledger.dispute(dispute_id), f"No such dispute: {dispute_id}")
        dispute.status = "won" if won else "lost"
        self.emit("charge.dispute.closed", dispute_object(dispute))
        return dispute

    def expire_authorization(self, gateway_payment_id: str) -> FakeIntent:
        """A hold not captured in time lapses: Stripe cancels the intent itself."""
        intent = self.intent(gateway_payment_id)
        if intent.status is not PaymentStatus.REQUIRES_CAPTURE:
            raise GatewayRejectedError(
                f"This PaymentIntent's status is {intent.status.value}; only an "
                "authorization awaiting capture expires."
            )
        self._cancel(intent, "automatic")
        return intent

    def fail_late(self, gateway_payment_id: str) -> None:
        """Re-send a failure for an intent that has since succeeded (out-of-order delivery)."""
        intent = self.intent(gateway_payment_id)
        stale = intent_object(intent) | {
            "status": "requires_payment_method",
            "last_payment_error": {
                "code": "card_declined",
                "decline_code": "generic_decline",
                "message": "Your card was declined.",
            },
        }
        self.emit("payment_intent.payment_failed", stale)


def refund_snapshot(refund: FakeRefund) -> GatewayRefund:
    return GatewayRefund(
        gateway_refund_id=refund.id,
        gateway_payment_id=refund.intent_id,
        amount=refund.amount,
        status=refund.status,
        reason=refund.reason,
        failure_reason=(
            "expired_or_canceled_card" if refund.status is RefundState.FAILED else None
        ),
        kassa_refund_id=refund.metadata.get("kassa_refund_id"),
    )
