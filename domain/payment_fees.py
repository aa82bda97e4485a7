"""What a payment pays out of what was captured: the platform's fee and the gateway's."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from domain.fees import FeeTerms
from domain.money import Money
from domain.sync_result import SyncResult


class GatewayFeeSource(StrEnum):
    # Whether the gateway's fee is Kassa's estimate or the figure the gateway reported.
    ESTIMATED = "estimated"
    ACTUAL = "actual"


@dataclass(eq=False, slots=True)
class PaymentFees:
    """The fees of one payment, part of the Payment aggregate.

    The terms in force at capture are copied here, so later tier changes never rewrite
    history. The gateway's fee is an estimate until the gateway reports the actual one.
    Invariant (SPEC §4): platform fee + gateway fee + net amount = captured."""

    terms: FeeTerms | None = None
    platform_fee: int = 0
    gateway_fee: int = 0
    gateway_fee_source: GatewayFeeSource = GatewayFeeSource.ESTIMATED

    def take(self, captured: Money, terms: FeeTerms) -> Money:
        """Work out both fees on `captured` by `terms`; the platform's fee."""
        self.terms = terms
        if self.gateway_fee_source is not GatewayFeeSource.ACTUAL:
            self.gateway_fee = terms.gateway_fee_estimate(captured).amount
        gateway_fee = Money(min(self.gateway_fee, captured.amount), captured.currency)
        self.gateway_fee = gateway_fee.amount
        platform_fee = terms.platform_fee(captured, gateway_fee)
        self.platform_fee = platform_fee.amount
        return platform_fee

    def report_actual_gateway_fee(self, fee: Money, captured: Money) -> SyncResult:
        """The charge's balance transaction replaces the estimate (never more than was
        captured, the platform's fee shrinking if the two no longer fit)."""
        if self.gateway_fee_source is GatewayFeeSource.ACTUAL and self.gateway_fee == fee.amount:
            return SyncResult.UNCHANGED
        if fee.currency != captured.currency:
            return SyncResult.STALE  # settled in another currency: keep the estimate
        self.gateway_fee_source = GatewayFeeSource.ACTUAL
        self.gateway_fee = fee.amount
        if captured.amount:
            self.gateway_fee = min(fee.amount, captured.amount)
            self.platform_fee = min(self.platform_fee, captured.amount - self.gateway_fee)
        return SyncResult.APPLIED

    def net(self, captured: int) -> int:
        """captured − platform fee − gateway fee (nothing before capture)."""
        return captured - self.platform_fee - self.gateway_fee if captured else 0

    def reversal_for(
        self, refunded_now: Money, refunded_before: int, reversed_before: int, captured: int
    ) -> Money:
        """The platform fee a refund gives back: in proportion, half up; the refund that
        empties the payment gives back whatever is left, so a full refund reverses 100 %."""
        currency = refunded_now.currency
        fee = Money(self.platform_fee, currency)
        left = fee - Money(reversed_before, currency)
        if refunded_before + refunded_now.amount >= captured:
            return left
        share = fee.share(refunded_now, Money(captured, currency))
        return min(share, left, key=lambda m: m.amount)
