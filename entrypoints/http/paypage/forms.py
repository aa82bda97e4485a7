"""What the payment page's forms send, read strictly: a small urlencoded body, an amount in
the currency's major unit, and the card to charge."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import parse_qsl

from litestar import Request

from adapters.gateways.fake_customers import fake_card_for_number
from domain.money import Money, currency_exponent, format_amount
from entrypoints.settings import Settings

MAX_FORM_BYTES = 4096
_FIELD_LIMIT = 200


class FormError(Exception):
    """A form the customer can correct: shown next to the form, which keeps its values."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


async def read_form(request: Request[Any, Any, Any]) -> dict[str, str]:
    """The first value of each field; over-long values are cut (no field needs more)."""
    body = (await request.body()).decode("utf-8", "replace")
    form: dict[str, str] = {}
    for name, value in parse_qsl(body, keep_blank_values=True, max_num_fields=20):
        form.setdefault(name[:_FIELD_LIMIT], value[:_FIELD_LIMIT].strip())
    return form


def parse_amount(text: str, currency: str) -> int | None:
    """`"12.34"` in USD → 1234 minor units; empty means "all that is due" (None)."""
    if not text:
        return None
    exponent = currency_exponent(currency)
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:
        value = Decimal("NaN")
    minor = value * (Decimal(10) ** exponent) if value.is_finite() else value
    if not minor.is_finite() or minor != minor.to_integral_value() or minor <= 0:
        example = Money(1234 * 10 ** max(exponent - 2, 0), currency).in_major_units()
        raise FormError(f"Enter an amount like {example}.", "amount")
    return int(minor)


def format_money(amount: int, currency: str) -> str:
    """1234, "USD" → "$12.34"; the receipts' formatting (`domain.money.format_amount`)."""
    return format_amount(Money(amount, currency))


def chosen_card(settings: Settings, form: dict[str, str]) -> str | None:
    """The card to charge: a saved one (`spm_…`), a fake test card by its number, or None
    when the Stripe gateway takes a new card through Stripe.js."""
    method = form.get("method", "new")
    if method != "new":
        if not method.startswith("spm_"):
            raise FormError("Choose one of your saved cards, or a new card.", "method")
        return method
    if settings.gateway != "fake":
        return None
    number = form.get("card_number", "")
    if not number:
        raise FormError("Enter the card number.", "card_number")
    card = fake_card_for_number(number)
    if card is None:
        raise FormError(
            "This test-mode page takes only the test cards listed below.", "card_number"
        )
    return card
