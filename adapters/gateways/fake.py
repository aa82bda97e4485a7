"""A deterministic, in-process gateway that behaves like Stripe's test mode (SPEC §13)."""

from __future__ import annotations

import hashlib
import itertools
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import quote

from adapters.gateways.fake_customers import FakeCustomerBook
from adapters.gateways.fake_events import (
    FakeEventLog,
    charge_object,
    intent_object,
    refund_object,
)
from adapters.gateways.fake_state import FakeDispute, FakeIntent, FakeRefund
from adapters.system.clock import SystemClock
from application.errors import GatewayError, GatewayOutcomeUnknownError, GatewayRejectedError
from application.ports.gateway import IntentRequest
from application.ports.system import Clock
from domain.fees import STRIPE_STANDARD_PRICING
from domain.gateway_results import GatewayIntent, GatewayPaymentMethod, GatewayRefund
from domain.money import Money
from domain.statuses import CaptureMethod, PaymentStatus, RefundState

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


@dataclass
class _Call:
    fingerprint: str
    result: Any


class FakePaymentGateway:
    """Keeps intents, charges, refunds and disputes in memory, honours idempotency keys and
    logs Stripe-format events for all it does (`log`; see FakeGatewayConsole for what
    customers and dashboards do outside Kassa).

    `pm_card_timeout` acts, then raises GatewayOutcomeUnknownError, as a timeout would.
    """

    name = "fake"

    def __init__(
        self,
        clock: Clock | None = None,
        portal_base_url: str = "http://127.0.0.1:8000/fake-gateway",
        run_id: str | None = None,
    ) -> None:
        self.clock: Clock = clock or SystemClock()
        self.portal_base_url = portal_base_url
        self.intents: dict[str, FakeIntent] = {}
        self.refunds: dict[str, FakeRefund] = {}
        self.disputes: dict[str, FakeDispute] = {}
        self.calls: list[tuple[str, str]] = []  # (operation, idempotency key)
        self.available = True
        self._idempotent: dict[str, _Call] = {}
        self._sequence = itertools.count(1)
        # Unique across processes and restarts that share one database (its gateway ids
        # are unique columns); tests may pin it.
        self._run = run_id if run_id is not None else secrets.token_hex(3)
        self.log = FakeEventLog(self._run)  # event ids too: an inbox keeps them for good
        self.book = FakeCustomerBook(self.next_id)

    # ------------------------------------------------------------ plumbing

    def next_id(self, prefix: str) -> str:
        return f"{prefix}_fake_{self._run}{next(self._sequence):08d}"

    def _once(self, operation: str, key: str, params: tuple[Any, ...], act: Callable[[], T]) -> T:
        self._ensure_available()
        self.calls.append((operation, key))
        fingerprint = hashlib.sha256(repr((operation, params)).encode()).hexdigest()
        previous = self._idempotent.get(key)
        if previous is not None:
            if previous.fingerprint != fingerprint:
                raise GatewayRejectedError(
                    "Keys for idempotent requests can only be used with the same parameters."
                )
            result: T = previous.result
            return result
        result = act()
        self._idempotent[key] = _Call(fingerprint, result)
        return result

    def _ensure_available(self) -> None:
        if not self.available:
            raise GatewayError("The fake gateway is switched off.")

    def intent(self, gateway_payment_id: str) -> FakeIntent:
        try:
            return self.intents[gateway_payment_id]
        except KeyError:
            raise GatewayRejectedError(
                f"No such payment_intent: {gateway_payment_id}", param="id"
            ) from None

    def emit(self, event_type: str, obj: dict[str, Any]) -> None:
        self.log.emit(event_type, obj, self.clock.now())

    def charge(self, intent: FakeIntent) -> dict[str, Any]:
        refunds = [r for r in self.refunds.values() if r.intent_id == intent.id]
        fee = (
            STRIPE_STANDARD_PRICING.fixed_for(intent.amount.currency)
            + Money(intent.amount_received, intent.amount.currency)
            .basis_points(STRIPE_STANDARD_PRICING.percentage_bps)
            .amount
        )
        return charge_object(intent, refunds, fee)

    @staticmethod
    def snapshot(intent: FakeIntent) -> GatewayIntent:
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

    def _answer(self, intent: FakeIntent) -> GatewayIntent:
        if intent.payment_method and self.book.behaves_like(intent.payment_method) == TIMEOUT:
            raise GatewayOutcomeUnknownError("The gateway did not answer in time.")
        return self.snapshot(intent)

    # ------------------------------------------------------------ the port

    async def create_intent(self, request: IntentRequest, idempotency_key: str) -> GatewayIntent:
        def act() -> FakeIntent:
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
            self.intents[intent.id] = intent
            self.emit("payment_intent.created", intent_object(intent))
            if request.confirm and request.payment_method:
                self._confirm(intent, request.payment_method)
            else:
                intent.payment_method = request.payment_method
            return intent

        params = (
            request.amount,
            request.capture_method,
            request.confirm,
            request.payment_method,
            request.application_fee,
            request.connected_account,
        )
        return self._answer(self._once("create_intent", idempotency_key, params, act))

    async def confirm_intent(
        self, gateway_payment_id: str, payment_method: str, idempotency_key: str
    ) -> GatewayIntent:
        def act() -> FakeIntent:
            intent = self.intent(gateway_payment_id)
            if intent.status not in _CONFIRMABLE:
                raise GatewayRejectedError(
                    f"This PaymentIntent's status is {intent.status.value}; it cannot be confirmed."
                )
            self._confirm(intent, payment_method)
            return intent

        return self._answer(
            self._once("confirm_intent", idempotency_key, (gateway_payment_id, payment_method), act)
        )

    async def capture_intent(
        self,
        gateway_payment_id: str,
        amount: Money,
        idempotency_key: str,
        application_fee: Money | None = None,
    ) -> GatewayIntent:
        def act() -> GatewayIntent:
            intent = self.intent(gateway_payment_id)
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
            self.emit("charge.captured", self.charge(intent))
            self.emit("payment_intent.succeeded", intent_object(intent))
            return self.snapshot(intent)

        return self._once(
            "capture_intent", idempotency_key, (gateway_payment_id, amount, application_fee), act
        )

    async def cancel_intent(
        self, gateway_payment_id: str, reason: str | None, idempotency_key: str
    ) -> GatewayIntent:
        def act() -> GatewayIntent:
            intent = self.intent(gateway_payment_id)
            if intent.status in (PaymentStatus.SUCCEEDED, PaymentStatus.CANCELED):
                raise GatewayRejectedError(
                    "You cannot cancel this PaymentIntent because it has a status of "
                    f"{intent.status.value}."
                )
            intent.status = PaymentStatus.CANCELED
            intent.cancellation_reason = reason
            intent.amount_capturable = 0
            self.emit("payment_intent.canceled", intent_object(intent))
            return self.snapshot(intent)

        return self._once("cancel_intent", idempotency_key, (gateway_payment_id, reason), act)

    async def retrieve_intent(self, gateway_payment_id: str) -> GatewayIntent:
        self._ensure_available()
        return self.snapshot(self.intent(gateway_payment_id))

    async def find_intent(self, payment_id: str) -> GatewayIntent | None:
        self._ensure_available()
        for intent in self.intents.values():
            if intent.metadata.get("kassa_payment_id") == payment_id:
                return self.snapshot(intent)
        return None

    def refund(
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
            for r in self.refunds.values()
            if r.intent_id == intent.id and r.status is not RefundState.FAILED
        )
        if already + amount.amount > intent.amount_received:
            raise GatewayRejectedError("Refund amount exceeds the charge.", param="amount")
        status = (
            RefundState.PENDING if intent.payment_method == REFUND_FAILS else RefundState.SUCCEEDED
        )
        refund = FakeRefund(
            self.next_id("re"), intent.id, amount, reason, status, refund_application_fee,
            dict(metadata or {}),
        )  # fmt: skip
        self.refunds[refund.id] = refund
        self.emit("refund.created", refund_object(refund))
        if status is RefundState.SUCCEEDED:
            self.emit("charge.refunded", self.charge(intent))
        return refund

    async def create_refund(
        self,
        gateway_payment_id: str,
        amount: Money,
        reason: str | None,
        idempotency_key: str,
        refund_application_fee: bool = False,
        refund_id: str | None = None,
    ) -> GatewayRefund:
        metadata = {"kassa_refund_id": refund_id} if refund_id else {}
        refund = self._once(
            "create_refund",
            idempotency_key,
            (gateway_payment_id, amount, reason, refund_application_fee, refund_id),
            lambda: self.refund(
                self.intent(gateway_payment_id), amount, reason, refund_application_fee, metadata
            ),
        )
        return self.refund_snapshot(refund)

    async def find_refund(self, gateway_payment_id: str, refund_id: str) -> GatewayRefund | None:
        self._ensure_available()
        for refund in self.refunds.values():
            if (
                refund.intent_id == gateway_payment_id
                and refund.metadata.get("kassa_refund_id") == refund_id
            ):
                return self.refund_snapshot(refund)
        return None

    async def retrieve_refund(self, gateway_refund_id: str) -> GatewayRefund:
        self._ensure_available()
        try:
            return self.refund_snapshot(self.refunds[gateway_refund_id])
        except KeyError:
            raise GatewayRejectedError(f"No such refund: {gateway_refund_id}") from None

    @staticmethod
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

    async def retrieve_charge_fee(self, charge_id: str) -> Money | None:
        self._ensure_available()
        for intent in self.intents.values():
            if intent.charge_id == charge_id and intent.amount_received:
                txn = self.charge(intent)["balance_transaction"]
                return Money(txn["fee"], intent.amount.currency)
        return None

    async def create_customer(self, email: str, name: str | None, idempotency_key: str) -> str:
        return self._once(
            "create_customer", idempotency_key, (email, name), lambda: self.book.create(email, name)
        )

    async def attach_payment_method(
        self, gateway_customer_id: str, payment_method: str, idempotency_key: str
    ) -> GatewayPaymentMethod:
        return self._once(
            "attach_payment_method",
            idempotency_key,
            (gateway_customer_id, payment_method),
            lambda: self.book.attach(gateway_customer_id, payment_method),
        )

    async def detach_payment_method(self, gateway_payment_method_id: str) -> None:
        self._ensure_available()
        self.book.detach(gateway_payment_method_id)

    async def list_payment_methods(self, gateway_customer_id: str) -> list[GatewayPaymentMethod]:
        self._ensure_available()
        return self.book.listed(gateway_customer_id)

    async def set_default_payment_method(
        self, gateway_customer_id: str, gateway_payment_method_id: str
    ) -> None:
        self._ensure_available()
        self.book.set_default(gateway_customer_id, gateway_payment_method_id)

    async def create_portal_session(self, gateway_customer_id: str, return_url: str) -> str:
        self._ensure_available()
        customer = self.book.customer(gateway_customer_id)
        return f"{self.portal_base_url}/billing/{customer.id}?return_url={quote(return_url)}"

    async def ping(self) -> None:
        self._ensure_available()
