"""The business words the features use, and what each means in Kassa's terms."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from parse import with_pattern

from application.errors import DuplicatePaymentError
from domain.errors import (
    CaptureExceedsAuthorizedError,
    DomainError,
    InvalidStateTransitionError,
    RefundExceedsCapturedError,
    RefundWindowClosedError,
)
from domain.money import Money, currency_exponent

CARDS = {
    "a Visa card": "pm_card_visa",
    "a Mastercard": "pm_card_mastercard",
    "a card that is declined": "pm_card_chargeDeclined",
    "a card with insufficient funds": "pm_card_chargeDeclinedInsufficientFunds",
    "a card that needs 3-D Secure": "pm_card_threeDSecureRequired",
    "a card whose refunds fail at the bank": "pm_card_refundFail",
}

DECLINES = {  # what the customer is told → the bank's decline code
    "the card was declined": "generic_decline",
    "the card has insufficient funds": "insufficient_funds",
}

CANCELLATION_REASONS = {
    "the customer asked": "requested_by_customer",
    "it was a duplicate": "duplicate",
    "it looked fraudulent": "fraudulent",
    "the customer abandoned the order": "abandoned",
}

MOVEMENTS = {  # what happened to the money → the payment's running total of it
    "captured": "amount_captured",
    "refunded": "amount_refunded",
}

REFUSALS: dict[str, type[DomainError]] = {
    "the order is already paid": DuplicatePaymentError,
    "it is more than was authorized": CaptureExceedsAuthorizedError,
    "the payment is already final": InvalidStateTransitionError,
    "the payment has not been captured": InvalidStateTransitionError,
    "it is more than remains to be refunded": RefundExceedsCapturedError,
    "the refund window has closed": RefundWindowClosedError,
}

MONEY_PATTERN = r"\d+(?:\.\d+)? [A-Z]{3}"
_MONEY = re.compile(r"(?P<whole>\d+)(?:\.(?P<fraction>\d+))? (?P<currency>[A-Z]{3})")


def parse_money(text: str) -> Money:
    """`100.00 USD` → Money(10000, "USD"), exactly: the decimals must fit the currency."""
    match = _MONEY.fullmatch(text)
    if match is None:
        raise ValueError(f"{text!r} is not an amount like '100.00 USD'.")
    currency = match["currency"]
    exponent = currency_exponent(currency)
    fraction = match["fraction"] or ""
    if fraction and len(fraction) != exponent:
        raise ValueError(f"{currency} amounts have {exponent} decimals, not {text!r}.")
    minor = int(match["whole"]) * 10**exponent + int(fraction or 0)
    return Money(minor, currency)


_PERCENT = re.compile(r"(?P<whole>\d+)(?:\.(?P<fraction>\d{1,2}))?")


@with_pattern(r"\d+(?:\.\d{1,2})?")
def parse_basis_points(text: str) -> int:
    """`2.00` (per cent) → 200 basis points, exactly."""
    match = _PERCENT.fullmatch(text)
    if match is None:
        raise ValueError(f"{text!r} is not a percentage like '2.00'.")
    return int(match["whole"]) * 100 + int((match["fraction"] or "0").ljust(2, "0"))


def _phrases(vocabulary: Mapping[str, Any], name: str) -> Callable[[str], Any]:
    pattern = "|".join(re.escape(p) for p in sorted(vocabulary, key=len, reverse=True))

    @with_pattern(pattern)
    def convert(text: str) -> Any:
        return vocabulary[text]

    convert.__name__ = name
    return convert


WORDS: dict[str, Callable[[str], Any]] = {
    "Money": with_pattern(MONEY_PATTERN)(parse_money),
    "Percent": parse_basis_points,
    "Card": _phrases(CARDS, "card"),
    "Decline": _phrases(DECLINES, "decline"),
    "CancellationReason": _phrases(CANCELLATION_REASONS, "cancellation_reason"),
    "Refusal": _phrases(REFUSALS, "refusal"),
    "Movement": _phrases(MOVEMENTS, "movement"),
}
