"""Steps about refunds: partial and full, refused, late, and failing at the bank."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from pytest_bdd import given, parsers, then, when

from application.payments.refund_payment import RefundPaymentCommand, RefundResult
from domain.errors import DomainError
from domain.money import Money
from domain.payment import Payment
from domain.statuses import RefundState, RefundStatus
from tests.steps.shop import Shop
from tests.steps.vocabulary import WORDS

# ------------------------------------------------------------------ given / when


@given(
    parsers.parse("the merchant has refunded {amount:Money}", extra_types=WORDS),
    target_fixture="refund",
)
@when(
    parsers.parse("the merchant refunds {amount:Money}", extra_types=WORDS),
    target_fixture="refund",
)
def the_merchant_refunds(shop: Shop, payment: Payment, amount: Money) -> RefundResult:
    return shop.refund(payment, amount)


@given("the merchant has refunded the whole payment", target_fixture="refund")
@when("the merchant refunds the rest", target_fixture="refund")
def the_merchant_refunds_the_rest(shop: Shop, payment: Payment) -> RefundResult:
    return shop.refund(payment)


@given(parsers.parse("{days:d} days have passed since the payment was captured"))
def days_have_passed(shop: Shop, payment: Payment, days: int) -> None:
    captured_at = shop.reload(payment).captured_at
    assert captured_at is not None
    shop.clock.advance(captured_at + timedelta(days=days) - shop.clock.now())


@when(
    parsers.parse("the merchant tries to refund {amount:Money}", extra_types=WORDS),
    target_fixture="refusal",
)
def the_merchant_tries_to_refund(shop: Shop, payment: Payment, amount: Money) -> DomainError | None:
    return shop.attempt(lambda: shop.refund(payment, amount))


@when(
    parsers.parse(
        "two refunds of {amount:Money} are requested at the same moment", extra_types=WORDS
    ),
    target_fixture="outcomes",
)
def two_refunds_at_once(
    shop: Shop, payment: Payment, amount: Money
) -> list[RefundResult | DomainError]:
    command = RefundPaymentCommand(payment.tenant_id, payment.id, amount.amount)

    async def both() -> list[RefundResult | DomainError]:
        tries = (shop.container.refund_payment().execute(command) for _ in range(2))
        answers = await asyncio.gather(*tries, return_exceptions=True)
        for answer in answers:
            if isinstance(answer, BaseException) and not isinstance(answer, DomainError):
                raise answer
        return [a for a in answers if isinstance(a, RefundResult | DomainError)]

    return shop.run(both())


@then("one of them goes through")
def one_goes_through(outcomes: list[RefundResult | DomainError]) -> None:
    assert sum(isinstance(o, RefundResult) for o in outcomes) == 1, outcomes


@then(parsers.parse("the other is turned away because {rule:Refusal}", extra_types=WORDS))
def the_other_is_refused(
    outcomes: list[RefundResult | DomainError], rule: type[DomainError]
) -> None:
    refusals = [o for o in outcomes if isinstance(o, DomainError)]
    assert len(refusals) == 1 and isinstance(refusals[0], rule), refusals


@when("the bank reports that the refund failed")
def the_bank_reports_the_refund_failed(shop: Shop, refund: RefundResult) -> None:
    gateway_refund_id = shop.reload(refund.payment).refund(refund.refund.id).gateway_refund_id
    assert gateway_refund_id is not None
    shop.bank.settle_refund(gateway_refund_id, succeed=False)
    shop.hear_from_the_gateway()


# ------------------------------------------------------------------------- then


@then(parsers.parse("{amount:Money} can still be refunded", extra_types=WORDS))
def an_amount_can_still_be_refunded(shop: Shop, payment: Payment, amount: Money) -> None:
    refundable = shop.reload(payment).refundable
    assert refundable == amount, f"{refundable} can still be refunded"


@then("nothing can be refunded any more")
def nothing_can_be_refunded(shop: Shop, payment: Payment) -> None:
    refundable = shop.reload(payment).refundable
    assert refundable.is_zero(), f"{refundable} can still be refunded"


@then("the payment is partially refunded")
def the_payment_is_partially_refunded(shop: Shop, payment: Payment) -> None:
    status = shop.reload(payment).refund_status
    assert status is RefundStatus.PARTIAL, f"the payment's refunds are {status.value}"


@then("the payment is fully refunded")
def the_payment_is_fully_refunded(shop: Shop, payment: Payment) -> None:
    status = shop.reload(payment).refund_status
    assert status is RefundStatus.FULL, f"the payment's refunds are {status.value}"


@then("the refund is pending at the bank")
def the_refund_is_pending(shop: Shop, refund: RefundResult) -> None:
    status = shop.reload(refund.payment).refund(refund.refund.id).status
    assert status is RefundState.PENDING, f"the refund has {status.value}"


@then("the refund has failed")
def the_refund_has_failed(shop: Shop, refund: RefundResult) -> None:
    status = shop.reload(refund.payment).refund(refund.refund.id).status
    assert status is RefundState.FAILED, f"the refund is {status.value}"
