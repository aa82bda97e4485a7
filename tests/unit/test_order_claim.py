"""An exclusive payment holds its order from the gateway call until it is done with it."""

from datetime import timedelta

from domain.gateway_results import GatewayRefund
from domain.money import Money
from domain.payment import Payment
from domain.statuses import PaymentStatus, RefundState
from domain.sync_result import SyncResult
from tests.unit.factories import STARTER_USD, T0, intent, new_payment

WINDOW = timedelta(days=90)


def claimed(amount: int = 10_000) -> Payment:
    payment = new_payment(amount)
    payment.exclusive = True  # as Payment.create(exclusive=True) makes it
    payment.claim_order()
    return payment


def test_only_an_exclusive_payment_claims_its_order() -> None:
    additional = new_payment()
    additional.claim_order()
    assert not additional.order_claim
    assert claimed().order_claim


def test_a_declined_payment_lets_go_of_its_order_for_good() -> None:
    payment = claimed()
    payment.sync(
        intent(payment, PaymentStatus.FAILED, failure_code="card_declined"), STARTER_USD, T0
    )
    assert not payment.order_claim

    # The customer retried at the gateway with another card: the money is booked, but the
    # order stays released, so recording it can never collide with a newer payment.
    payment.sync(intent(payment, PaymentStatus.SUCCEEDED), STARTER_USD, T0)
    assert (payment.status, payment.order_claim) == (PaymentStatus.SUCCEEDED, False)
    payment.claim_order()
    assert payment.order_claim  # only an explicit claim takes it again


def test_a_canceled_or_fully_refunded_payment_releases_its_order() -> None:
    canceled = claimed()
    canceled.record_cancellation("abandoned", T0)
    assert not canceled.order_claim

    refunded = claimed(amount=4_000)
    refunded.sync(intent(refunded, PaymentStatus.SUCCEEDED), STARTER_USD, T0)
    refunded.request_refund(refund_id="re_1", amount=1_000, reason=None, now=T0, window=WINDOW)
    refunded.complete_refund("re_1", "gre_1", T0)
    assert refunded.order_claim  # partly refunded: still paid
    refunded.request_refund(refund_id="re_2", amount=None, reason=None, now=T0, window=WINDOW)
    refunded.complete_refund("re_2", "gre_2", T0)
    assert not refunded.order_claim


def test_the_gateways_answer_to_a_refund_names_it_and_settles_it_once() -> None:
    payment = new_payment(amount=4_000)
    payment.sync(intent(payment, PaymentStatus.SUCCEEDED), STARTER_USD, T0)
    payment.request_refund(refund_id="re_1", amount=1_500, reason=None, now=T0, window=WINDOW)
    answer = GatewayRefund(
        "gre_1", payment.gateway_payment_id or "", Money(1_500, "USD"), RefundState.PENDING,
        kassa_refund_id="re_1",
    )  # fmt: skip

    assert payment.record_refund_answer("re_1", answer, T0) is SyncResult.APPLIED
    assert payment.record_refund_answer("re_1", answer, T0) is SyncResult.UNCHANGED
    done = GatewayRefund(
        "gre_1", answer.gateway_payment_id, answer.amount, RefundState.SUCCEEDED,
    )  # fmt: skip
    assert payment.absorb_gateway_refund("re_new", done, T0) is SyncResult.APPLIED
    assert [(r.id, r.status) for r in payment.refunds] == [("re_1", RefundState.SUCCEEDED)]
    assert payment.amount_refunded == 1_500
