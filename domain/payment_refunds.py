"""A payment's refunds (SPEC §3, §4): reserved first, then settled by the gateway's
answer, a webhook or reconciliation, exactly once whichever comes first."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from domain import events as ev
from domain.errors import (
    InvalidReasonError,
    InvalidStateTransitionError,
    RefundNotFoundError,
    RefundWindowClosedError,
)
from domain.gateway_results import GatewayRefund
from domain.money import Money
from domain.payment_fees import PaymentFees
from domain.reasons import REFUND_REASONS
from domain.refund import Refund
from domain.refund_ledger import RefundLedger
from domain.statuses import PaymentStatus, RefundState
from domain.sync_result import SyncResult


class PaymentRefunds:
    """The Payment aggregate's refund operations (a part of `Payment`, not used alone);
    the rules of the balance live in `RefundLedger`, the fee reversal in `PaymentFees`."""

    if TYPE_CHECKING:  # what it uses of the aggregate root, `Payment`
        id: str
        status: PaymentStatus
        updated_at: datetime
        captured_at: datetime | None
        amount_captured: int
        fees: PaymentFees

        @property
        def currency(self) -> str: ...
        @property
        def ledger(self) -> RefundLedger: ...
        @property
        def refundable(self) -> Money: ...
        @property
        def amount_refunded(self) -> int: ...
        @property
        def platform_fee_reversed(self) -> int: ...
        def _unexpected(self, verb: str) -> InvalidStateTransitionError: ...
        def _record(self, event_type: type[ev.DomainEvent], now: datetime, **data: Any) -> None: ...

    def request_refund(
        self,
        *,
        refund_id: str,
        amount: int | None,
        reason: str | None,
        now: datetime,
        window: timedelta,
    ) -> Refund:
        """Reserve a pending refund; the gateway's answer completes or fails it."""
        if reason is not None and reason not in REFUND_REASONS:
            raise InvalidReasonError(
                "reason is one of " + ", ".join(sorted(REFUND_REASONS)) + ".", param="reason"
            )
        if self.status is not PaymentStatus.SUCCEEDED:
            raise self._unexpected("refunded")
        if self.captured_at is not None and now - self.captured_at > window:
            raise RefundWindowClosedError(
                f"Refunds are accepted within {window.days} days of capture."
            )
        refund = self.ledger.reserve(refund_id, amount, reason, now)
        self.updated_at = now
        self._record(ev.RefundRequested, now, refund_id=refund_id, amount=refund.amount)
        return refund

    def refund(self, refund_id: str) -> Refund:
        found = self.ledger.find(refund_id)
        if found is None:
            raise RefundNotFoundError(f"Payment {self.id} has no refund {refund_id}.")
        return found

    def complete_refund(
        self, refund_id: str, gateway_refund_id: str | None, now: datetime
    ) -> SyncResult:
        refund = self.refund(refund_id)
        if gateway_refund_id:
            self.ledger.name(refund, gateway_refund_id, now)
        if refund.status is RefundState.SUCCEEDED:
            return SyncResult.UNCHANGED
        # Worked out before the refund counts as refunded: the share is of this refund alone.
        reversed_now = self.fees.reversal_for(
            refund.amount, self.amount_refunded, self.platform_fee_reversed, self.amount_captured
        )
        if not self.ledger.succeed(refund, reversed_now, now):
            return SyncResult.STALE
        self.updated_at = now
        self._record(
            ev.PaymentRefunded, now, refund_id=refund.id, amount=refund.amount,
            platform_fee_reversed=reversed_now,
        )  # fmt: skip
        return SyncResult.APPLIED

    def fail_refund(self, refund_id: str, reason: str | None, now: datetime) -> SyncResult:
        """A failed refund gives its amount (and any fee reversal) back."""
        refund = self.refund(refund_id)
        if not self.ledger.fail(refund, reason, now):
            return SyncResult.UNCHANGED
        self.updated_at = now
        self._record(ev.RefundFailed, now, refund_id=refund.id, amount=refund.amount)
        return SyncResult.APPLIED

    def record_refund_answer(
        self, refund_id: str, answer: GatewayRefund, now: datetime
    ) -> SyncResult:
        """The gateway's answer to Kassa's own refund `refund_id` (its reply, or the refund
        found again by reconciliation): from now on the two are matched by its id."""
        refund = self.refund(refund_id)
        named = self.ledger.name(refund, answer.gateway_refund_id, now)
        if named:
            self.updated_at = now
        settled = self._settle_refund(refund, answer, now)
        return SyncResult.APPLIED if named else settled

    def absorb_gateway_refund(
        self, new_refund_id: str, reported: GatewayRefund, now: datetime
    ) -> SyncResult:
        """A refund the gateway reports (made there, or Kassa's own echoed back)."""
        refund = self.ledger.match(reported)
        if refund is not None:
            return self.record_refund_answer(refund.id, reported, now)
        if self.status is not PaymentStatus.SUCCEEDED or reported.amount > self.refundable:
            return SyncResult.STALE
        refund = self.ledger.reserve(
            new_refund_id, reported.amount.amount, reported.reason, now,
            gateway_refund_id=reported.gateway_refund_id,
        )  # fmt: skip
        self.updated_at = now
        self._record(ev.RefundRequested, now, refund_id=refund.id, amount=refund.amount)
        self._settle_refund(refund, reported, now)
        return SyncResult.APPLIED

    def _settle_refund(self, refund: Refund, answer: GatewayRefund, now: datetime) -> SyncResult:
        if answer.status is RefundState.SUCCEEDED:
            return self.complete_refund(refund.id, None, now)
        if answer.status is RefundState.FAILED:
            return self.fail_refund(refund.id, answer.failure_reason, now)
        return SyncResult.UNCHANGED
