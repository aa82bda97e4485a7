"""Steps about paying: charges, authorizations, captures, cancellations and refusals."""

from __future__ import annotations

from pytest_bdd import given, parsers, then, when

from domain.capture_method import CaptureMethod
from domain.errors import DomainError
from domain.money import Money
from domain.payment import Payment
from domain.statuses import PaymentStatus
from domain.tenant import Tenant
from tests.steps.shop import Shop
from tests.steps.vocabulary import WORDS

# ------------------------------------------------------------------ given


@given(
    parsers.parse("the customer has paid {amount:Money} with {card:Card}", extra_types=WORDS),
    target_fixture="payment",
)
@when(
    parsers.parse("the customer pays {amount:Money} with {card:Card}", extra_types=WORDS),
    target_fixture="payment",
)
def the_customer_pays(shop: Shop, merchant: Tenant, amount: Money, card: str) -> Payment:
    return shop.pay(merchant, amount, card)


@given(
    parsers.parse("the customer has authorized {amount:Money} with {card:Card}", extra_types=WORDS),
    target_fixture="payment",
)
def the_customer_has_authorized(shop: Shop, merchant: Tenant, amount: Money, card: str) -> Payment:
    return shop.pay(merchant, amount, card, capture=CaptureMethod.MANUAL)


@given(
    parsers.parse(
        "the customer's card was declined for a payment of {amount:Money}", extra_types=WORDS
    ),
    target_fixture="payment",
)
def a_declined_payment(shop: Shop, merchant: Tenant, amount: Money) -> Payment:
    payment = shop.pay(merchant, amount, "pm_card_chargeDeclined")
    assert payment.status is PaymentStatus.FAILED
    return payment


# ------------------------------------------------------------------- when


@when(
    parsers.parse(
        "the customer pays {amount:Money} with {card:Card} again for the same order",
        extra_types=WORDS,
    ),
    target_fixture="payment",
)
def the_customer_pays_again(
    shop: Shop, merchant: Tenant, payment: Payment, amount: Money, card: str
) -> Payment:
    return shop.pay(merchant, amount, card, order_id=payment.order_id)


@when(
    parsers.parse(
        "the customer pays {amount:Money} with {card:Card} again for the same order, "
        "which the merchant allows",
        extra_types=WORDS,
    ),
    target_fixture="payment",
)
def the_customer_pays_again_as_allowed(
    shop: Shop, merchant: Tenant, payment: Payment, amount: Money, card: str
) -> Payment:
    return shop.pay(merchant, amount, card, order_id=payment.order_id, allow_additional=True)


@when(
    parsers.parse(
        "the customer tries to pay {amount:Money} with {card:Card} again for the same order",
        extra_types=WORDS,
    ),
    target_fixture="refusal",
)
def the_customer_tries_to_pay_again(
    shop: Shop, merchant: Tenant, payment: Payment, amount: Money, card: str
) -> DomainError | None:
    return shop.attempt(lambda: shop.pay(merchant, amount, card, order_id=payment.order_id))


@when("the merchant captures the payment", target_fixture="payment")
def the_merchant_captures_everything(shop: Shop, payment: Payment) -> Payment:
    return shop.capture(payment)


@when(
    parsers.parse("the merchant captures {amount:Money}", extra_types=WORDS),
    target_fixture="payment",
)
def the_merchant_captures(shop: Shop, payment: Payment, amount: Money) -> Payment:
    return shop.capture(payment, amount)


@when(
    parsers.parse("the merchant tries to capture {amount:Money}", extra_types=WORDS),
    target_fixture="refusal",
)
def the_merchant_tries_to_capture(
    shop: Shop, payment: Payment, amount: Money
) -> DomainError | None:
    return shop.attempt(lambda: shop.capture(payment, amount))


@when(
    parsers.parse(
        "the merchant cancels the payment because {reason:CancellationReason}", extra_types=WORDS
    ),
    target_fixture="payment",
)
def the_merchant_cancels(shop: Shop, payment: Payment, reason: str) -> Payment:
    return shop.cancel(payment, reason)


@when(
    parsers.parse(
        "the merchant tries to cancel the payment because {reason:CancellationReason}",
        extra_types=WORDS,
    ),
    target_fixture="refusal",
)
def the_merchant_tries_to_cancel(shop: Shop, payment: Payment, reason: str) -> DomainError | None:
    return shop.attempt(lambda: shop.cancel(payment, reason))


@when("the customer confirms the payment with their bank")
def the_customer_confirms_with_their_bank(shop: Shop, payment: Payment) -> None:
    gateway_payment_id = shop.reload(payment).gateway_payment_id
    assert gateway_payment_id is not None
    shop.bank.complete_action(gateway_payment_id)
    shop.hear_from_the_gateway()


# ------------------------------------------------------------------- then


@then("the payment has succeeded")
def the_payment_has_succeeded(shop: Shop, payment: Payment) -> None:
    status = shop.reload(payment).status
    assert status is PaymentStatus.SUCCEEDED, f"the payment is {status.value}"


@then(parsers.parse("the payment has failed because {decline:Decline}", extra_types=WORDS))
def the_payment_has_failed(shop: Shop, payment: Payment, decline: str) -> None:
    failed = shop.reload(payment)
    assert failed.status is PaymentStatus.FAILED, f"the payment is {failed.status.value}"
    assert failed.failure_code == "card_declined", f"it failed with {failed.failure_code}"
    assert failed.decline_code == decline
    assert failed.failure_message, "the customer is told why"


@then("the payment awaits capture")
@then("the payment still awaits capture")
def the_payment_awaits_capture(shop: Shop, payment: Payment) -> None:
    status = shop.reload(payment).status
    assert status is PaymentStatus.REQUIRES_CAPTURE, f"the payment is {status.value}"


@then("the payment waits for the customer to confirm with their bank")
def the_payment_waits_for_the_customer(shop: Shop, payment: Payment) -> None:
    waiting = shop.reload(payment)
    assert waiting.status is PaymentStatus.REQUIRES_ACTION, f"the payment is {waiting.status.value}"
    assert waiting.next_action, "the customer is shown how to confirm"
    assert waiting.client_secret


@then(
    parsers.parse("the payment is canceled because {reason:CancellationReason}", extra_types=WORDS)
)
def the_payment_is_canceled(shop: Shop, payment: Payment, reason: str) -> None:
    canceled = shop.reload(payment)
    assert canceled.status is PaymentStatus.CANCELED, f"the payment is {canceled.status.value}"
    assert canceled.cancellation_reason == reason, f"canceled for {canceled.cancellation_reason}"


@then(parsers.parse("{amount:Money} is held on the card", extra_types=WORDS))
def an_amount_is_held(shop: Shop, payment: Payment, amount: Money) -> None:
    payment = shop.reload(payment)
    held = Money(payment.amount_capturable, payment.currency)
    assert held == amount, f"{held} is held on the card"


@then("nothing is held on the card any more")
def nothing_is_held(shop: Shop, payment: Payment) -> None:
    payment = shop.reload(payment)
    held = Money(payment.amount_capturable, payment.currency)
    assert held.is_zero(), f"{held} is still held on the card"


@then(parsers.parse("{amount:Money} has been {total:Movement}", extra_types=WORDS))
def an_amount_has_been_moved(shop: Shop, payment: Payment, amount: Money, total: str) -> None:
    """Captured or refunded: `total` is the payment's running total of it."""
    payment = shop.reload(payment)
    moved = Money(getattr(payment, total), payment.currency)
    assert moved == amount, f"{moved} has been {total.removeprefix('amount_')}"


@then(parsers.parse("nothing has been {total:Movement}", extra_types=WORDS))
def nothing_has_been_moved(shop: Shop, payment: Payment, total: str) -> None:
    payment = shop.reload(payment)
    moved = Money(getattr(payment, total), payment.currency)
    assert moved.is_zero(), f"{moved} has been {total.removeprefix('amount_')}"


@then(parsers.parse("the {operation} is refused because {rule:Refusal}", extra_types=WORDS))
def the_operation_is_refused(
    refusal: DomainError | None, operation: str, rule: type[DomainError]
) -> None:
    assert refusal is not None, f"the {operation} went through"
    assert isinstance(refusal, rule), f"refused for another reason: {refusal!r}"


@then(parsers.parse("the order has {count:d} payment"))
@then(parsers.parse("the order has {count:d} payments"))
def the_order_has_payments(shop: Shop, payment: Payment, count: int) -> None:
    found = len(shop.order_payments(payment))
    assert found == count, f"the order has {found} payments"
