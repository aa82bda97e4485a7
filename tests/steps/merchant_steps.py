"""Steps about the merchant: who sells, and on which fee tier."""

from __future__ import annotations

from pytest_bdd import given, parsers

from domain.tenant import Tenant
from tests.steps.shop import Shop


@given(parsers.parse("a merchant on the {tier} tier"), target_fixture="merchant")
def a_merchant_on_a_tier(shop: Shop, tier: str) -> Tenant:
    return shop.open_merchant(tier)
