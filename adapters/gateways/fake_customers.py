"""The fake gateway's customers and saved cards, with Stripe's test cards' details."""

from __future__ import annotations

from collections.abc import Callable

from adapters.gateways.fake_state import FakeCustomer, FakeLedger, SavedCard, found
from application.errors import GatewayRejectedError
from domain.gateway_results import GatewayPaymentMethod

# Stripe's test payment methods: brand and last four digits of the card behind each.
TEST_CARDS: dict[str, tuple[str, str]] = {
    "pm_card_visa": ("visa", "4242"),
    "pm_card_mastercard": ("mastercard", "4444"),
    "pm_card_amex": ("amex", "8431"),
    "pm_card_chargeDeclined": ("visa", "0002"),
    "pm_card_chargeDeclinedInsufficientFunds": ("visa", "9995"),
    "pm_card_threeDSecureRequired": ("visa", "3184"),
    "pm_card_timeout": ("visa", "0077"),
    "pm_card_refundFail": ("visa", "5100"),
}
EXP_MONTH, EXP_YEAR = 12, 2034

# The card numbers a person types on the payment page in test mode, as Stripe documents
# them, and the test payment method each stands for (the timeout card is for tests only).
TEST_CARD_NUMBERS: tuple[tuple[str, str, str], ...] = (
    ("4242424242424242", "pm_card_visa", "Visa: succeeds"),
    ("5555555555554444", "pm_card_mastercard", "Mastercard: succeeds"),
    ("4000000000000002", "pm_card_chargeDeclined", "Visa: declined"),
    ("4000000000009995", "pm_card_chargeDeclinedInsufficientFunds", "Visa: insufficient funds"),
    ("4000002760003184", "pm_card_threeDSecureRequired", "Visa: asks for 3-D Secure"),
)


def fake_card_for_number(number: str) -> str | None:
    """The test payment method behind a typed card number (spaces and dashes ignored)."""
    digits = "".join(c for c in number if c not in " -")
    return next((pm for n, pm, _ in TEST_CARD_NUMBERS if n == digits), None)


class FakeCustomerBook:
    """Customers and their saved cards, in one transaction's ledger."""

    def __init__(self, ledger: FakeLedger, next_id: Callable[[str], str]) -> None:
        self._ledger = ledger
        self._next_id = next_id

    def create(self, email: str, name: str | None) -> str:
        customer = FakeCustomer(self._next_id("cus"), email, name)
        self._ledger.add_customer(customer)
        return customer.id

    def customer(self, customer_id: str) -> FakeCustomer:
        unknown = f"No such customer: '{customer_id}'"
        return found(self._ledger.customer(customer_id), unknown, param="customer")

    def behaves_like(self, payment_method: str) -> str:
        """The test card a payment method (test token or saved card) stands for."""
        saved = self._ledger.card(payment_method)
        return saved.test_card if saved else payment_method

    def attach(self, customer_id: str, payment_method: str) -> GatewayPaymentMethod:
        customer = self.customer(customer_id)
        if payment_method not in TEST_CARDS:
            raise GatewayRejectedError(
                f"No such PaymentMethod: '{payment_method}'", param="payment_method"
            )
        brand, last4 = TEST_CARDS[payment_method]
        method = GatewayPaymentMethod(self._next_id("pm"), brand, last4, EXP_MONTH, EXP_YEAR)
        self._ledger.add_card(SavedCard(method, payment_method, customer.id))
        customer.methods.append(method.gateway_payment_method_id)
        return method

    def detach(self, method_id: str) -> None:
        card = self._ledger.card(method_id)
        if card is None:
            raise GatewayRejectedError(
                f"No such PaymentMethod: '{method_id}'", param="payment_method"
            )
        owner = self._ledger.customer(card.customer_id) if card.customer_id else None
        if owner is not None and method_id in owner.methods:
            owner.methods.remove(method_id)
            if owner.default_method == method_id:
                owner.default_method = None
        card.customer_id = None

    def listed(self, customer_id: str) -> list[GatewayPaymentMethod]:
        cards = [self._ledger.card(m) for m in self.customer(customer_id).methods]
        return [c.method for c in cards if c is not None]

    def set_default(self, customer_id: str, method_id: str) -> None:
        customer = self.customer(customer_id)
        if method_id not in customer.methods:
            raise GatewayRejectedError(
                "The payment method is not attached to this customer.", param="payment_method"
            )
        customer.default_method = method_id
