"""The Payment aggregate: transitions of SPEC §3 and the monotonic sync of §6."""

from datetime import timedelta

import pytest

from domain import events as ev
from domain.capture_method import CaptureMethod
from domain.errors import (
    AmountTooSmallError,
    CaptureExceedsAuthorizedError,
    InvalidReasonError,
    InvalidStateTransitionError,
    RefundExceedsCapturedError,
    RefundWindowClosedError,
)
from domain.money import Money
from domain.statuses import DisputeStatus, PaymentStatus, RefundState, RefundStatus
from domain.sync_result import SyncResult
from tests.unit.factories import STARTER_USD, T0, authorized, captured, intent, new_payment

WINDOW = timedelta(days=90)


def test_a_payment_with_a_method_awaits_confirmation() -> None:
    payment = new_payment()
    assert payment.status is PaymentStatus.REQUIRES_CONFIRMATION
    assert isinstance(payment.pull_events()[0], ev.PaymentCreated)


def test_amount_below_minimum_is_refused_at_creation() -> None:
    with pytest.raises(AmountTooSmallError):
        new_payment(amount=49)


def test_authorization_holds_the_amount_and_records_an_event() -> None:
    payment = authorized(5_000)
    assert payment.status is PaymentStatus.REQUIRES_CAPTURE
    assert payment.amount_capturable == 5_000
    assert any(isinstance(e, ev.PaymentAuthorized) for e in payment.pull_events())


def test_partial_capture_releases_the_rest_and_takes_fees_on_the_captured_amount() -> None:
    payment = captured(10_000, capture=6_000)
    assert payment.status is PaymentStatus.SUCCEEDED
    assert payment.amount_captured == 6_000
    assert payment.amount_capturable == 0
    assert payment.platform_fee == 180  # 3 % of 60.00
    assert payment.gateway_fee == 204  # 2.9 % of 60.00 + 0.30
    assert payment.net_amount == 6_000 - 180 - 204


def test_worked_example_of_spec_section_4() -> None:
    payment = captured(10_000)
    assert (payment.platform_fee, payment.gateway_fee, payment.net_amount) == (300, 320, 9_380)


def test_capture_guards() -> None:
    payment = authorized(5_000)
    with pytest.raises(CaptureExceedsAuthorizedError):
        payment.ensure_capturable(5_001)
    assert payment.ensure_capturable(None) == Money(5_000, "USD")
    with pytest.raises(InvalidStateTransitionError):
        captured().ensure_capturable(None)


def test_cancel_needs_a_known_reason_and_a_non_final_payment() -> None:
    payment = authorized()
    with pytest.raises(InvalidReasonError):
        payment.ensure_cancelable("bored")
    payment.record_cancellation("requested_by_customer", T0)
    assert payment.status is PaymentStatus.CANCELED
    assert payment.amount_capturable == 0
    with pytest.raises(InvalidStateTransitionError):
        payment.ensure_cancelable(None)


def test_a_decline_keeps_its_detail() -> None:
    payment = new_payment()
    payment.sync(
        intent(
            payment,
            PaymentStatus.FAILED,
            failure_code="card_declined",
            decline_code="insufficient_funds",
            failure_message="No funds.",
        ),
        STARTER_USD,
        T0,
    )
    assert payment.status is PaymentStatus.FAILED
    assert (payment.failure_code, payment.decline_code) == ("card_declined", "insufficient_funds")
    with pytest.raises(InvalidStateTransitionError):
        payment.ensure_confirmable()


def test_late_failure_after_success_is_stale_and_changes_nothing() -> None:
    payment = captured()
    before = (payment.status, payment.amount_captured, payment.platform_fee)
    result = payment.sync(
        intent(payment, PaymentStatus.FAILED, failure_code="card_declined"), STARTER_USD, T0
    )
    assert result is SyncResult.STALE
    assert (payment.status, payment.amount_captured, payment.platform_fee) == before


def test_failure_after_authorization_is_stale() -> None:
    payment = authorized()
    assert payment.sync(intent(payment, PaymentStatus.FAILED), STARTER_USD, T0) is (
        SyncResult.STALE
    )
    assert payment.status is PaymentStatus.REQUIRES_CAPTURE


def test_success_after_failure_moves_the_payment_on() -> None:
    payment = new_payment(capture_method=CaptureMethod.AUTOMATIC)
    payment.sync(intent(payment, PaymentStatus.FAILED), STARTER_USD, T0)
    result = payment.sync(
        intent(payment, PaymentStatus.SUCCEEDED, amount_received=10_000), STARTER_USD, T0
    )
    assert result is SyncResult.APPLIED
    assert payment.status is PaymentStatus.SUCCEEDED
    assert payment.amount_captured == 10_000


def test_same_status_twice_is_unchanged() -> None:
    payment = captured()
    again = intent(payment, PaymentStatus.SUCCEEDED, amount_received=10_000)
    assert payment.sync(again, STARTER_USD, T0) is SyncResult.UNCHANGED


def test_outcome_unknown_parks_the_payment_in_processing_until_the_gateway_answers() -> None:
    payment = new_payment()
    payment.mark_outcome_unknown("create", T0)
    assert (payment.status, payment.outcome_unknown) == (PaymentStatus.PROCESSING, True)
    payment.sync(intent(payment, PaymentStatus.REQUIRES_CAPTURE), STARTER_USD, T0)
    assert (payment.status, payment.outcome_unknown) == (PaymentStatus.REQUIRES_CAPTURE, False)


def test_refunds_several_partial_then_full() -> None:
    payment = captured(10_000)
    first = payment.request_refund(
        refund_id="re_1", amount=2_500, reason=None, now=T0, window=WINDOW
    )
    assert first.status is RefundState.PENDING
    assert payment.refundable == Money(7_500, "USD")
    payment.complete_refund("re_1", "gre_1", T0)
    assert (payment.refund_status, payment.amount_refunded) == (RefundStatus.PARTIAL, 2_500)
    payment.request_refund(
        refund_id="re_2", amount=None, reason="requested_by_customer", now=T0, window=WINDOW
    )
    payment.complete_refund("re_2", "gre_2", T0)
    assert payment.refund_status is RefundStatus.FULL
    assert payment.amount_refunded == 10_000
    assert payment.platform_fee_reversed == payment.platform_fee


def test_pending_refunds_count_against_the_refundable_balance() -> None:
    payment = captured(10_000)
    payment.request_refund(refund_id="re_1", amount=6_000, reason=None, now=T0, window=WINDOW)
    with pytest.raises(RefundExceedsCapturedError):
        payment.request_refund(refund_id="re_2", amount=4_001, reason=None, now=T0, window=WINDOW)


def test_a_failed_refund_gives_its_amount_back() -> None:
    payment = captured(10_000)
    payment.request_refund(refund_id="re_1", amount=6_000, reason=None, now=T0, window=WINDOW)
    payment.fail_refund("re_1", "expired_or_canceled_card", T0)
    assert payment.refundable == Money(10_000, "USD")
    assert payment.refund_status is RefundStatus.NONE


def test_refund_window_and_reason() -> None:
    payment = captured()
    with pytest.raises(RefundWindowClosedError):
        payment.request_refund(
            refund_id="re_1",
            amount=100,
            reason=None,
            now=T0 + WINDOW + timedelta(seconds=1),
            window=WINDOW,
        )
    with pytest.raises(InvalidReasonError):
        payment.request_refund(
            refund_id="re_1", amount=100, reason="changed_mind", now=T0, window=WINDOW
        )
    with pytest.raises(InvalidStateTransitionError):
        authorized().request_refund(
            refund_id="re_1", amount=100, reason=None, now=T0, window=WINDOW
        )


def test_proportional_fee_reversal_and_the_last_refund_takes_the_rest() -> None:
    payment = captured(10_000)  # platform fee 300
    for i, amount in enumerate((3_333, 3_333, 3_334)):
        payment.request_refund(
            refund_id=f"re_{i}", amount=amount, reason=None, now=T0, window=WINDOW
        )
        payment.complete_refund(f"re_{i}", f"gre_{i}", T0)
    reversed_ = [r.platform_fee_reversed.amount for r in payment.refunds]
    assert reversed_ == [100, 100, 100]
    assert sum(reversed_) == payment.platform_fee


def test_actual_gateway_fee_replaces_the_estimate_and_keeps_the_invariant() -> None:
    payment = captured(10_000)
    payment.record_actual_gateway_fee(Money(310, "USD"), T0)
    assert payment.gateway_fee == 310
    assert payment.platform_fee + payment.gateway_fee + payment.net_amount == 10_000


def test_disputes_open_and_close_once() -> None:
    payment = captured()
    assert payment.open_dispute(Money(10_000, "USD"), DisputeStatus.NEEDS_RESPONSE, T0) is (
        SyncResult.APPLIED
    )
    assert payment.close_dispute(won=False, now=T0) is SyncResult.APPLIED
    assert payment.dispute_status is DisputeStatus.LOST
    assert payment.close_dispute(won=True, now=T0) is SyncResult.STALE


def test_a_refund_of_more_than_half_reverses_only_its_share() -> None:
    payment = captured(10_000)  # platform fee 300
    payment.request_refund(refund_id="re_1", amount=6_000, reason=None, now=T0, window=WINDOW)
    payment.complete_refund("re_1", "gre_1", T0)
    assert payment.refunds[0].platform_fee_reversed == Money(180, "USD")
