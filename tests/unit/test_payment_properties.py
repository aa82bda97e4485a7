"""Properties of money movement: whatever happens, no refund exceeds the capture,
no capture exceeds the authorization, fees add up, and the refundable balance is exact."""

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from domain.errors import DomainError
from domain.fees import STRIPE_STANDARD_PRICING, FeeSchedule, FeeTerms
from domain.money import Money, currency_exponent, round_half_up
from domain.statuses import PaymentStatus, RefundState, RefundStatus
from tests.unit.factories import T0, authorized, intent

WINDOW = timedelta(days=90)
CURRENCIES = ["USD", "JPY", "KWD", "EUR"]


class PaymentMoneyMachine(RuleBasedStateMachine):
    """Random sequences of capture, refund request, refund success and refund failure."""

    def __init__(self) -> None:
        super().__init__()
        self.payment = authorized(100_000)
        self.authorized = 100_000
        self.terms = FeeTerms.resolve(FeeSchedule(300), STRIPE_STANDARD_PRICING, "USD")
        self.counter = 0

    @precondition(lambda self: self.payment.status is PaymentStatus.REQUIRES_CAPTURE)
    @rule(amount=st.integers(min_value=0, max_value=120_000))
    def capture(self, amount: int) -> None:
        try:
            to_capture = self.payment.ensure_capturable(amount)
        except DomainError:
            assert amount == 0 or amount > self.authorized
            return
        self.payment.sync(
            intent(self.payment, PaymentStatus.SUCCEEDED, amount_received=to_capture.amount),
            self.terms,
            T0,
        )

    @rule(amount=st.one_of(st.none(), st.integers(min_value=0, max_value=120_000)))
    def request_refund(self, amount: int | None) -> None:
        self.counter += 1
        before = self.payment.refundable.amount
        try:
            self.payment.request_refund(
                refund_id=f"re_{self.counter}", amount=amount, reason=None, now=T0, window=WINDOW
            )
        except DomainError:
            assert (
                self.payment.status is not PaymentStatus.SUCCEEDED
                or amount == 0
                or (amount or before) > before
                or before == 0
            )

    @rule(data=st.data(), succeed=st.booleans())
    def settle_a_refund(self, data: st.DataObject, succeed: bool) -> None:
        if not self.payment.refunds:
            return
        refund = data.draw(st.sampled_from(self.payment.refunds))
        if succeed:
            self.payment.complete_refund(refund.id, f"g{refund.id}", T0)
        else:
            self.payment.fail_refund(refund.id, "bank_said_no", T0)

    @invariant()
    def refunded_never_exceeds_captured_never_exceeds_authorized(self) -> None:
        p = self.payment
        assert 0 <= p.amount_refunded <= p.amount_captured <= self.authorized

    @invariant()
    def refundable_balance_is_exact(self) -> None:
        p = self.payment
        live = sum(r.amount.amount for r in p.refunds if r.status is not RefundState.FAILED)
        assert p.refundable.amount == p.amount_captured - live >= 0

    @invariant()
    def fees_add_up_and_reversals_stay_within_the_fee(self) -> None:
        p = self.payment
        if p.amount_captured:
            assert p.platform_fee + p.gateway_fee + p.net_amount == p.amount_captured
            assert p.net_amount >= 0
        assert 0 <= p.platform_fee_reversed <= p.platform_fee
        if p.refund_status is RefundStatus.FULL:
            assert p.platform_fee_reversed == p.platform_fee


TestPaymentMoney = PaymentMoneyMachine.TestCase
TestPaymentMoney.settings = settings(max_examples=150, stateful_step_count=25, deadline=None)


@settings(max_examples=300, deadline=None)
@given(
    currency=st.sampled_from(CURRENCIES),
    major=st.integers(min_value=50, max_value=1_000_000),
    bps=st.integers(min_value=0, max_value=10_000),
    fixed=st.integers(min_value=0, max_value=100_000),
    splits=st.lists(st.integers(min_value=1, max_value=100), min_size=1, max_size=6),
)
def test_fees_add_up_and_a_full_refund_reverses_the_whole_fee(
    currency: str, major: int, bps: int, fixed: int, splits: list[int]
) -> None:
    amount = major * 10 ** currency_exponent(currency)
    terms = FeeTerms.resolve(FeeSchedule(bps, {currency: fixed}), STRIPE_STANDARD_PRICING, currency)
    payment = authorized(amount, currency)
    payment.sync(intent(payment, PaymentStatus.SUCCEEDED, amount_received=amount), terms, T0)
    assert payment.platform_fee + payment.gateway_fee + payment.net_amount == amount
    assert min(payment.platform_fee, payment.gateway_fee, payment.net_amount) >= 0
    total = sum(splits)
    shares = [amount * s // total for s in splits]
    shares[-1] += amount - sum(shares)
    positive = [s for s in shares if s > 0]
    for i, share in enumerate(positive):
        payment.request_refund(
            refund_id=f"re_{i}", amount=share, reason=None, now=T0, window=WINDOW
        )
        payment.complete_refund(f"re_{i}", f"g{i}", T0)
        if i < len(positive) - 1:  # all but the emptying refund: at most its own share
            own_share = round_half_up(payment.platform_fee * share, amount)
            assert payment.refund(f"re_{i}").platform_fee_reversed.amount <= own_share
    assert payment.amount_refunded == amount
    assert payment.platform_fee_reversed == payment.platform_fee
    assert all(r.platform_fee_reversed.amount >= 0 for r in payment.refunds)


@given(st.integers(min_value=50, max_value=10**9))
def test_money_basis_points_never_exceed_the_amount(amount: int) -> None:
    money = Money(amount, "USD")
    assert money.basis_points(10_000) == money
    assert money.basis_points(0).is_zero()
