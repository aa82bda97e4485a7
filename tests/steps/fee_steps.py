"""Steps about money split at capture: the platform's fee, the gateway's, the merchant's net."""

from __future__ import annotations

from pytest_bdd import parsers, then

from application.payments.refund_payment import RefundResult
from domain.money import Money
from domain.payment import Payment
from domain.payment_fees import GatewayFeeSource
from tests.steps.shop import Shop
from tests.steps.vocabulary import WORDS


@then(parsers.parse("the platform keeps {amount:Money}", extra_types=WORDS))
def the_platform_keeps(shop: Shop, payment: Payment, amount: Money) -> None:
    paid = shop.reload(payment)
    kept = Money(paid.platform_fee, paid.currency)
    assert kept == amount, f"the platform keeps {kept}, not {amount}"


@then(parsers.parse("the gateway's fee is estimated at {amount:Money}", extra_types=WORDS))
def the_gateway_fee_is_estimated(shop: Shop, payment: Payment, amount: Money) -> None:
    assert_gateway_fee(shop, payment, amount, GatewayFeeSource.ESTIMATED)


def assert_gateway_fee(
    shop: Shop, payment: Payment, amount: Money, source: GatewayFeeSource
) -> None:
    """The payment's gateway fee is `amount`, estimated by Kassa or reported by the gateway."""
    paid = shop.reload(payment)
    fee = Money(paid.gateway_fee, paid.currency)
    assert paid.gateway_fee_source is source, f"the gateway's fee is {paid.gateway_fee_source}"
    assert fee == amount, f"the gateway's fee ({source}) is {fee}, not {amount}"


@then(parsers.parse("the merchant receives {amount:Money}", extra_types=WORDS))
def the_merchant_receives(shop: Shop, payment: Payment, amount: Money) -> None:
    paid = shop.reload(payment)
    net = Money(paid.net_amount, paid.currency)
    assert net == amount, f"the merchant receives {net}, not {amount}"
    assert paid.platform_fee + paid.gateway_fee + paid.net_amount == paid.amount_captured


@then("no fees are taken")
def no_fees_are_taken(shop: Shop, payment: Payment) -> None:
    unpaid = shop.reload(payment)
    fees = (unpaid.platform_fee, unpaid.gateway_fee, unpaid.net_amount)
    assert fees == (0, 0, 0), f"platform fee, gateway fee and net are {fees} minor units"


@then(parsers.parse("the platform gives back {amount:Money} of its fee", extra_types=WORDS))
def the_refund_gives_back(shop: Shop, refund: RefundResult, amount: Money) -> None:
    reversed_fee = shop.reload(refund.payment).refund(refund.refund.id).platform_fee_reversed
    assert reversed_fee == amount, f"the platform gives back {reversed_fee}, not {amount}"


@then(parsers.parse("the platform has given back {amount:Money} in all", extra_types=WORDS))
def the_platform_has_given_back(shop: Shop, payment: Payment, amount: Money) -> None:
    refunded = shop.reload(payment)
    given_back = Money(refunded.platform_fee_reversed, refunded.currency)
    assert given_back == amount, f"the platform has given back {given_back}, not {amount}"


@then(parsers.parse("the platform still keeps {amount:Money} of that payment", extra_types=WORDS))
def the_platform_still_keeps(shop: Shop, payment: Payment, amount: Money) -> None:
    the_platform_keeps(shop, payment, amount)
