"""The fake gateway's customers and saved cards, with Stripe's test cards' details."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

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


@dataclass
class FakeCustomer:
    id: str
    email: str
    name: str | None
    methods: list[str] = field(default_factory=list)
    default_method: str | None = None


@dataclass(frozen=True)
class SavedCard:
    method: GatewayPaymentMethod
    test_card: str  # the test payment method it was made from: it behaves like that one


class FakeCustomerBook:
    def __init__(self, next_id: Callable[[str], str]) -> None:
        self._next_id = next_id
        self.customers: dict[str, FakeCustomer] = {}
        self.cards: dict[str, SavedCard] = {}

    def create(self, email: str, name: str | None) -> str:
        customer = FakeCustomer(self._next_id("cus"), email, name)
        self.customers[customer.id] = customer
        return customer.id

    def customer(self, customer_id: str) -> FakeCustomer:
        try:
            return self.customers[customer_id]
        except KeyError:
            raise GatewayRejectedError(
                f"No such customer: '{customer_id}'", param="customer"
            ) from None

    def behaves_like(self, payment_method: str) -> str:
        """The test card a payment method (test token or saved card) stands for."""
        saved = self.cards.get(payment_method)
        return saved.test_card if saved else payment_method

    def attach(self, customer_id: str, payment_method: str) -> GatewayPaymentMethod:
        customer = self.customer(customer_id)
        if payment_method not in TEST_CARDS:
            raise GatewayRejectedError(
                f"No such PaymentMethod: '{payment_method}'", param="payment_method"
            )
        brand, last4 = TEST_CARDS[payment_method]
        method = GatewayPaymentMethod(self._next_id("pm"), brand, last4, EXP_MONTH, EXP_YEAR)
        self.cards[method.gateway_payment_method_id] = SavedCard(method, payment_method)
        customer.methods.append(method.gateway_payment_method_id)
        return method

    def detach(self, method_id: str) -> None:
        if method_id not in self.cards:
            raise GatewayRejectedError(
                f"No such PaymentMethod: '{method_id}'", param="payment_method"
            )
        for customer in self.customers.values():
            if method_id in customer.methods:
                customer.methods.remove(method_id)
                if customer.default_method == method_id:
                    customer.default_method = None

    def listed(self, customer_id: str) -> list[GatewayPaymentMethod]:
        return [self.cards[m].method for m in self.customer(customer_id).methods]

    def set_default(self, customer_id: str, method_id: str) -> None:
        customer = self.customer(customer_id)
        if method_id not in customer.methods:
            raise GatewayRejectedError(
                "The payment method is not attached to this customer.", param="payment_method"
            )
        customer.default_method = method_id
