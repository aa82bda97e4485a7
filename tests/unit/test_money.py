"""Money: minor units, ISO 4217 exponents, half-up rounding, no cross-currency sums."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import (
    AmountTooSmallError,
    CurrencyMismatchError,
    InvalidAmountError,
    UnknownCurrencyError,
)
from domain.money import Money, currency_exponent, round_half_up


@pytest.mark.parametrize(
    ("currency", "exponent"),
    [("USD", 2), ("cad", 2), ("EUR", 2), ("JPY", 0), ("KRW", 0), ("KWD", 3), ("BHD", 3)],
)
def test_exponents_follow_iso_4217(currency: str, exponent: int) -> None:
    assert currency_exponent(currency) == exponent


def test_currency_is_normalised_to_upper_case() -> None:
    assert Money(1130, "cad") == Money(1130, "CAD")


@pytest.mark.parametrize("amount", [-1, 1.5, True, "10"])
def test_amounts_are_non_negative_integers(amount: object) -> None:
    with pytest.raises(InvalidAmountError):
        Money(amount, "USD")  # type: ignore[arg-type]


def test_unknown_currency_is_refused() -> None:
    with pytest.raises(UnknownCurrencyError):
        Money(100, "XYZ")


def test_arithmetic_across_currencies_raises() -> None:
    with pytest.raises(CurrencyMismatchError):
        Money(100, "USD") + Money(100, "EUR")
    with pytest.raises(CurrencyMismatchError):
        _ = Money(100, "USD") < Money(100, "EUR")


def test_subtraction_never_goes_negative() -> None:
    assert Money(100, "USD") - Money(40, "USD") == Money(60, "USD")
    with pytest.raises(InvalidAmountError):
        Money(40, "USD") - Money(100, "USD")


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [
        (5, 10, 1),
        (4, 10, 0),
        (15, 10, 2),
        (25, 10, 3),
        (0, 7, 0),
        (300_000, 10_000, 30),
        (145, 100, 1),
        (150, 100, 2),
    ],
)
def test_round_half_up(numerator: int, denominator: int, expected: int) -> None:
    assert round_half_up(numerator, denominator) == expected


@given(st.integers(min_value=0, max_value=10**15), st.integers(min_value=1, max_value=10**6))
def test_round_half_up_is_the_nearest_integer_with_ties_up(n: int, d: int) -> None:
    rounded = round_half_up(n, d)
    twice_error = 2 * (n - rounded * d)  # 2 × (exact − rounded) × d
    assert -d <= twice_error < d  # nearest, and an exact half (+d) never rounds down


def test_basis_points_round_half_up() -> None:
    assert Money(10_000, "USD").basis_points(290) == Money(290, "USD")
    assert Money(50, "USD").basis_points(300) == Money(2, "USD")  # 1.5 → 2
    assert Money(49, "USD").basis_points(300) == Money(1, "USD")  # 1.47 → 1


@pytest.mark.parametrize(
    ("amount", "currency"), [(49, "USD"), (49, "JPY"), (999, "KWD"), (0, "EUR")]
)
def test_amounts_below_the_currency_minimum_are_refused(amount: int, currency: str) -> None:
    with pytest.raises(AmountTooSmallError):
        Money(amount, currency).ensure_chargeable()


def test_display_uses_the_currency_exponent() -> None:
    assert str(Money(1130, "CAD")) == "11.30 CAD"
    assert str(Money(500, "JPY")) == "500 JPY"
    assert str(Money(1005, "KWD")) == "1.005 KWD"
