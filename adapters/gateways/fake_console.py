"""What customers and merchants do at the fake gateway outside Kassa: finish 3-D Secure,
pay again with another card, refund from the dashboard, open and settle disputes."""

from __future__ import annotations

from datetime import datetime

from adapters.gateways.fake import FakePaymentGateway
from adapters.gateways.fake_events import (
    SignedDelivery,
    dispute_object,
    intent_object,
    refund_object,
)
from adapters.gateways.fake_state import FakeDispute, FakeRefund
from application.errors import GatewayRejectedError
from domain.money import Money
from domain.statuses import PaymentStatus, RefundState


class FakeGatewayConsole:
    def __init__(self, gateway: FakePaymentGateway) -> None:
        self.gateway = gateway

    def complete_action(self, gateway_payment_id: str, succeed: bool = True) -> None:
        """The customer finishes (or abandons) 3-D Secure, as Stripe.js would."""
        intent = self.gateway.intent(gateway_payment_id)
        if intent.status is not PaymentStatus.REQUIRES_ACTION:
            raise GatewayRejectedError("This PaymentIntent does not require an action.")
        if succeed:
            self.gateway.settle(intent)
        else:
            self.gateway.decline(
                intent,
                (
                    "authentication_required",
                    "authentication_required",
                    "The customer did not complete 3-D Secure.",
                ),
            )

    def pay_again(self, gateway_payment_id: str) -> None:
        """After a decline the customer retries at the gateway with a card that works."""
        intent = self.gateway.intent(gateway_payment_id)
        if intent.status is not PaymentStatus.FAILED:
            raise GatewayRejectedError("Only a declined PaymentIntent can be paid again.")
        intent.payment_method = "pm_card_visa"
        self.gateway.settle(intent)

    def refund_from_dashboard(self, gateway_payment_id: str, amount: Money) -> FakeRefund:
        intent = self.gateway.intent(gateway_payment_id)
        return self.gateway.refund(intent, amount, "requested_by_customer")

    def settle_refund(self, gateway_refund_id: str, succeed: bool) -> None:
        """A pending refund resolves at the bank (as `pm_card_refundFail`'s fail)."""
        refund = self.gateway.refunds[gateway_refund_id]
        refund.status = RefundState.SUCCEEDED if succeed else RefundState.FAILED
        self.gateway.emit("refund.updated", refund_object(refund))
        if succeed:
            intent = self.gateway.intent(refund.intent_id)
            self.gateway.emit("charge.refunded", self.gateway.charge(intent))

    def open_dispute(self, gateway_payment_id: str) -> FakeDispute:
        intent = self.gateway.intent(gateway_payment_id)
        if intent.status is not PaymentStatus.SUCCEEDED or intent.charge_id is None:
            raise GatewayRejectedError("Only a captured charge can be disputed.")
        dispute = FakeDispute(
            self.gateway.next_id("dp"),
            intent.id,
            intent.charge_id,
            Money(intent.amount_received, intent.amount.currency),
            "needs_response",
        )
        self.gateway.disputes[dispute.id] = dispute
        self.gateway.emit("charge.dispute.created", dispute_object(dispute))
        return dispute

    def close_dispute(self, dispute_id: str, won: bool) -> None:
        dispute = self.gateway.disputes[dispute_id]
        dispute.status = "won" if won else "lost"
        self.gateway.emit("charge.dispute.closed", dispute_object(dispute))

    def fail_late(self, gateway_payment_id: str) -> None:
        """Re-send a failure for an intent that has since succeeded (out-of-order delivery)."""
        intent = self.gateway.intent(gateway_payment_id)
        stale = intent_object(intent) | {
            "status": "requires_payment_method",
            "last_payment_error": {
                "code": "card_declined",
                "decline_code": "generic_decline",
                "message": "Your card was declined.",
            },
        }
        self.gateway.emit("payment_intent.payment_failed", stale)

    def deliveries(self, secret: str, now: datetime) -> list[SignedDelivery]:
        """Events not yet delivered, signed as the gateway would send them."""
        return [self.gateway.log.signed(e, secret, now) for e in self.gateway.log.undelivered()]
