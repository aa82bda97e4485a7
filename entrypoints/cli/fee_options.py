"""Options shared by the fee commands: basis points and fixed fees per currency."""

from __future__ import annotations

from collections.abc import Sequence

import click

bps_option = click.option(
    "--bps",
    type=int,
    default=None,
    help="Percentage in basis points, 0 to 10000 (150 is 1.5 %).",
)
fixed_option = click.option(
    "--fixed",
    "fixed",
    multiple=True,
    metavar="CUR=AMOUNT",
    help="A fixed fee in the currency's minor unit (usd=30 is 0.30 USD); repeat per "
    "currency. Replaces the whole set of fixed fees.",
)
no_fixed_option = click.option("--no-fixed", is_flag=True, help="No fixed fee in any currency.")


def fixed_amounts(fixed: Sequence[str], no_fixed: bool) -> dict[str, int] | None:
    """`("usd=30", "jpy=0")` → `{"usd": 30, "jpy": 0}`; None when neither option is given.

    The domain checks the currencies and that amounts are not negative.
    """
    if no_fixed and fixed:
        raise click.ClickException("Give --fixed or --no-fixed, not both.")
    if no_fixed:
        return {}
    if not fixed:
        return None
    amounts: dict[str, int] = {}
    for item in fixed:
        currency, sep, amount = item.partition("=")
        try:
            value = int(amount.strip())
        except ValueError:
            value = None
        if not sep or not currency.strip() or value is None:
            raise click.ClickException(
                f"--fixed takes CUR=AMOUNT in minor units, such as usd=30; got {item!r}."
            )
        amounts[currency.strip().lower()] = value
    return amounts
