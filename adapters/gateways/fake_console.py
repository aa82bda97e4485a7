"""What customers and merchants do at the in-memory fake gateway outside Kassa, for tests
that act synchronously: finish 3-D Secure, pay again with another card, refund from the
dashboard, open and settle disputes. (`kassa gateway …` does the same on any state, through
FakePaymentGateway.act.)"""

from __future__ import annotations

from datetime import datetime

from adapters.gateways.fake import FakePaymentGateway
from adapters.gateways.fake_events import SignedDelivery
from adapters.gateways.fake_state import FakeDispute, FakeRefund
from domain.money import Money


class FakeGatewayConsole:
    def __init__(self, gateway: FakePaymentGateway) -> None:
        self.gateway = gateway

    def complete_action(self, gateway_payment_id: str, succeed: bool = True) -> None:
        self.gateway.bank().complete_action(gateway_payment_id, succeed)

    def pay_again(self, gateway_payment_id: str) -> None:
        self.gateway.bank().pay_again(gateway_payment_id)

    def refund_from_dashboard(self, gateway_payment_id: str, amount: Money) -> FakeRefund:
        return self.gateway.bank().refund_from_dashboard(gateway_payment_id, amount)

    def settle_refund(self, gateway_refund_id: str, succeed: bool) -> None:
        self.gateway.bank().settle_refund(gateway_refund_id, succeed)

    def open_dispute(self, gateway_payment_id: str) -> FakeDispute:
        return self.gateway.bank().open_dispute(gateway_payment_id)

    def close_dispute(self, dispute_id: str, won: bool) -> None:
        self.gateway.bank().close_dispute(dispute_id, won)

    def fail_late(self, gateway_payment_id: str) -> None:
        self.gateway.bank().fail_late(gateway_payment_id)

    def deliveries(self, secret: str, now: datetime) -> list[SignedDelivery]:
        """Events not yet delivered, signed as the gateway would send them."""
        return [self.gateway.log.signed(e, secret, now) for e in self.gateway.log.undelivered()]
