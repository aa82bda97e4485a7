"""Money as an integer count of a currency's minor unit, with ISO 4217 exponents."""

from __future__ import annotations

from dataclasses import dataclass

from domain.errors import (
    AmountTooSmallError,
    CurrencyMismatchError,
    InvalidAmountError,
    UnknownCurrencyError,
)

# ISO 4217 minor-unit exponents of the currencies Kassa accepts (Stripe's settlement set).
_TWO_DECIMALS = (
    "USD CAD EUR GBP AUD NZD CHF SEK NOK DKK PLN CZK HUF RON BGN MXN BRL SGD HKD INR ZAR ILS "
    "AED SAR THB MYR PHP TRY"
)
_EXPONENTS: dict[str, int] = {
    **dict.fromkeys(_TWO_DECIMALS.split(), 2),
    **dict.fromkeys(["JPY", "KRW", "VND", "CLP", "ISK", "UGX", "XOF", "XAF"], 0),
    **dict.fromkeys(["KWD", "BHD", "OMR", "JOD", "TND"], 3),
}

# Stripe's minimum charge amounts, in minor units; other currencies: one major unit.
_MINIMUM_CHARGE: dict[str, int] = {
    "USD": 50,
    "CAD": 50,
    "EUR": 50,
    "AUD": 50,
    "NZD": 50,
    "CHF": 50,
    "SGD": 50,
    "GBP": 30,
    "HKD": 400,
    "MXN": 1000,
    "BRL": 50,
    "DKK": 250,
    "NOK": 300,
    "SEK": 300,
    "PLN": 200,
    "CZK": 1500,
    "HUF": 17500,
    "AED": 200,
    "INR": 50,
    "JPY": 50,
    "KRW": 500,
}


def currency_exponent(currency: str) -> int:
    """The number of decimals of `currency`'s minor unit (USD 2, JPY 0, KWD 3)."""
    try:
        return _EXPONENTS[currency.upper()]
    except KeyError:
        raise UnknownCurrencyError(f"Unknown or unsupported currency: {currency!r}.") from None


def is_known_currency(currency: str) -> bool:
    return currency.upper() in _EXPONENTS


def known_currencies() -> list[str]:
    """The codes Kassa accepts, lower-case as Stripe writes them (any case is accepted)."""
    return sorted(code.lower() for code in _EXPONENTS)


def round_half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half up, in integers: the only rounding Kassa does."""
    if denominator <= 0 or numerator < 0:
        raise InvalidAmountError("round_half_up takes a non-negative ratio.")
    return (2 * numerator + denominator) // (2 * denominator)


@dataclass(frozen=True, slots=True, order=False)
class Money:
    """A non-negative amount in minor units of one ISO 4217 currency."""

    amount: int
    currency: str

    def __post_init__(self) -> None:
        amount = self.amount
        if type(amount) is not int and (isinstance(amount, bool) or not isinstance(amount, int)):
            raise InvalidAmountError("An amount is a whole number of minor units.")
        if amount < 0:
            raise InvalidAmountError("An amount is never negative.")
        if self.currency not in _EXPONENTS:  # most often already a known upper-case code
            code = self.currency.upper()
            currency_exponent(code)
            object.__setattr__(self, "currency", code)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise CurrencyMismatchError(f"Cannot combine {self.currency} with {other.currency}.")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        if other.amount > self.amount:
            raise InvalidAmountError("The result would be negative.")
        return Money(self.amount - other.amount, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.amount <= other.amount

    def __gt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount > other.amount

    def __ge__(self, other: Money) -> bool:
        self._same(other)
        return self.amount >= other.amount

    def is_zero(self) -> bool:
        return self.amount == 0

    def basis_points(self, bps: int) -> Money:
        """This amount × bps / 10 000, half up."""
        return Money(round_half_up(self.amount * bps, 10_000), self.currency)

    def share(self, part: Money, of: Money) -> Money:
        """This amount × part / of, half up (a proportional reversal)."""
        self._same(part)
        part._same(of)
        if of.amount == 0:
            return Money.zero(self.currency)
        return Money(round_half_up(self.amount * part.amount, of.amount), self.currency)

    @property
    def exponent(self) -> int:
        return currency_exponent(self.currency)

    def ensure_chargeable(self) -> None:
        """Refuse amounts below the gateway's minimum charge for the currency."""
        minimum = _MINIMUM_CHARGE.get(self.currency, 10 ** currency_exponent(self.currency))
        if self.amount < minimum:
            raise AmountTooSmallError(
                f"Amount must be at least {minimum} minor units of {self.currency}."
            )

    def __str__(self) -> str:
        return f"{self.in_major_units()} {self.currency}"

    def in_major_units(self) -> str:
        """The amount alone, as a form field takes it: 1234 USD → "12.34", 1130 JPY → "1130"."""
        exp = self.exponent
        if exp == 0:
            return str(self.amount)
        major, minor = divmod(self.amount, 10**exp)
        return f"{major}.{minor:0{exp}d}"


# Symbols a reader recognises without the code; every other currency is written with its
# code in front ("KWD 1.130", "CAD 1,130.00"), which is never ambiguous.
_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}


def format_amount(money: Money) -> str:
    """`$1,130.00`, `¥1,130`, `KWD 1.130`: grouped thousands, the currency's own decimals."""
    exponent = currency_exponent(money.currency)
    major, minor = divmod(money.amount, 10**exponent)
    text = f"{major:,}" + (f".{minor:0{exponent}d}" if exponent else "")
    symbol = _SYMBOLS.get(money.currency)
    return f"{symbol}{text}" if symbol else f"{money.currency} {text}"
