"""Steps about the merchant: who sells, and on which fee tier."""

from __future__ import annotations

from pytest_bdd import given, parsers, when

from domain.money import Money
from domain.tenant import Tenant
from tests.steps.shop import Shop
from tests.steps.vocabulary import WORDS


@given(parsers.parse("a merchant on the {tier} tier"), target_fixture="merchant")
def a_merchant_on_a_tier(shop: Shop, tier: str) -> Tenant:
    return shop.open_merchant(tier)


@given(
    parsers.parse(
        "the platform has agreed {bps:Percent} % plus {fixed:Money} a payment with the merchant",
        extra_types=WORDS,
    )
)
def a_negotiated_fee(shop: Shop, merchant: Tenant, bps: int, fixed: Money) -> None:
    shop.negotiate(merchant, bps, {fixed.currency: fixed.amount})


@given(
    parsers.parse("the platform has agreed {bps:Percent} % with the merchant", extra_types=WORDS)
)
def a_negotiated_percentage(shop: Shop, merchant: Tenant, bps: int) -> None:
    shop.negotiate(merchant, bps, None)


@when(parsers.parse("the merchant moves to the {tier} tier"))
def the_merchant_moves(shop: Shop, merchant: Tenant, tier: str) -> None:
    shop.move_to_tier(merchant, tier)
