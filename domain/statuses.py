"""The status vocabularies of payments, refunds and disputes (Stripe's names), and
the moves a payment's status may make."""

from __future__ import annotations

from enum import StrEnum


class PaymentStatus(StrEnum):
    REQUIRES_PAYMENT_METHOD = "requires_payment_method"
    REQUIRES_CONFIRMATION = "requires_confirmation"
    REQUIRES_ACTION = "requires_action"
    PROCESSING = "processing"
    REQUIRES_CAPTURE = "requires_capture"
    SUCCEEDED = "succeeded"
    CANCELED = "canceled"
    FAILED = "failed"

    @property
    def is_terminal(self) -> bool:
        return self in (PaymentStatus.SUCCEEDED, PaymentStatus.CANCELED)

    @property
    def rank(self) -> int:
        """Progress along the happy path; a transition never lowers it."""
        return _RANK[self]

    def may_move_to(self, target: PaymentStatus) -> bool:
        """The status machine of SPEC §3 and §6: never backwards, never out of a final state."""
        if self.is_terminal:
            return False
        if self is PaymentStatus.FAILED:
            # Only a later success at the gateway (another card) moves a failure on.
            return target in (PaymentStatus.REQUIRES_CAPTURE, PaymentStatus.SUCCEEDED)
        if target is PaymentStatus.FAILED:
            # Money that moved (an authorization) is never undone by a failure.
            return self.rank < PaymentStatus.REQUIRES_CAPTURE.rank
        if target in (PaymentStatus.CANCELED, PaymentStatus.SUCCEEDED):
            return True
        return target.rank > self.rank


_RANK = {
    PaymentStatus.REQUIRES_PAYMENT_METHOD: 0,
    PaymentStatus.REQUIRES_CONFIRMATION: 1,
    PaymentStatus.REQUIRES_ACTION: 2,
    PaymentStatus.PROCESSING: 3,
    PaymentStatus.FAILED: 3,
    PaymentStatus.REQUIRES_CAPTURE: 4,
    PaymentStatus.SUCCEEDED: 5,
    PaymentStatus.CANCELED: 5,
}


class RefundStatus(StrEnum):
    """The payment-level refund sub-state."""

    NONE = "none"
    PARTIAL = "partial"
    FULL = "full"


class RefundState(StrEnum):
    """The status of one refund."""

    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class DisputeStatus(StrEnum):
    NONE = "none"
    NEEDS_RESPONSE = "needs_response"
    UNDER_REVIEW = "under_review"
    WON = "won"
    LOST = "lost"
