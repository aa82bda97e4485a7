"""A payment's refunds as a ledger: what is refunded, what is pending, what is left."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from domain.errors import InvalidAmountError, RefundExceedsCapturedError
from domain.gateway_results import GatewayRefund
from domain.money import Money
from domain.refund import Refund
from domain.statuses import RefundState, RefundStatus


class RefundLedger:
    """A view over the Payment aggregate's refund list holding the refund rules.

    Invariant (SPEC §3): pending plus succeeded refunds never exceed what was captured; a
    refund that fails gives its amount back."""

    __slots__ = ("_captured", "_refunds")

    def __init__(self, refunds: list[Refund], captured: Money) -> None:
        self._refunds = refunds
        self._captured = captured

    def __iter__(self) -> Iterator[Refund]:
        return iter(self._refunds)

    def _total(self, state: RefundState) -> int:
        return sum(r.amount.amount for r in self._refunds if r.status is state)

    @property
    def refunded(self) -> int:
        return self._total(RefundState.SUCCEEDED)

    @property
    def pending(self) -> int:
        return self._total(RefundState.PENDING)

    @property
    def refundable(self) -> Money:
        """What may still be refunded: captured less pending and succeeded refunds."""
        return Money(self._captured.amount - self.refunded - self.pending, self._captured.currency)

    @property
    def status(self) -> RefundStatus:
        refunded = self.refunded
        if refunded == 0:
            return RefundStatus.NONE
        return RefundStatus.FULL if refunded >= self._captured.amount else RefundStatus.PARTIAL

    @property
    def fee_reversed(self) -> int:
        return sum(
            r.platform_fee_reversed.amount
            for r in self._refunds
            if r.status is RefundState.SUCCEEDED
        )

    def find(self, refund_id: str) -> Refund | None:
        return next((r for r in self._refunds if r.id == refund_id), None)

    def by_gateway_id(self, gateway_refund_id: str) -> Refund | None:
        return next((r for r in self._refunds if r.gateway_refund_id == gateway_refund_id), None)

    def reserve(
        self,
        refund_id: str,
        amount: int | None,
        reason: str | None,
        now: datetime,
        gateway_refund_id: str | None = None,
    ) -> Refund:
        """A pending refund of `amount` (default: all that is left), within the balance."""
        refundable = self.refundable
        wanted = refundable if amount is None else Money(amount, refundable.currency)
        if wanted.is_zero():
            if amount is None:
                raise RefundExceedsCapturedError("Nothing is left to refund.")
            raise InvalidAmountError("A refund takes a positive amount.")
        if wanted > refundable:
            raise RefundExceedsCapturedError(
                f"Cannot refund {wanted.amount}: only {refundable.amount} is refundable."
            )
        refund = Refund(
            id=refund_id,
            amount=wanted,
            reason=reason,
            status=RefundState.PENDING,
            created_at=now,
            updated_at=now,
            platform_fee_reversed=Money.zero(refundable.currency),
            gateway_refund_id=gateway_refund_id,
        )
        self._refunds.append(refund)
        return refund

    def match(self, reported: GatewayRefund) -> Refund | None:
        """The refund the gateway reports: by its id, or Kassa's own by `kassa_refund_id`
        (reported before its answer was recorded, or after the answer was lost)."""
        found = self.by_gateway_id(reported.gateway_refund_id)
        if found is None and reported.kassa_refund_id is not None:
            found = self.find(reported.kassa_refund_id)
        return found

    def name(self, refund: Refund, gateway_refund_id: str, now: datetime) -> bool:
        """Record the gateway's id of `refund`; whether that changed anything."""
        if refund.gateway_refund_id == gateway_refund_id:
            return False
        refund.gateway_refund_id = gateway_refund_id
        refund.updated_at = now
        return True

    def succeed(self, refund: Refund, fee_reversed: Money, now: datetime) -> bool:
        """Settle `refund` as refunded; False when it already is, or it failed and its
        amount has been taken by other refunds since."""
        if refund.status is RefundState.SUCCEEDED:
            return False
        if refund.status is RefundState.FAILED and refund.amount > self.refundable:
            return False
        refund.platform_fee_reversed = fee_reversed
        refund.status = RefundState.SUCCEEDED
        refund.failure_reason = None
        refund.updated_at = now
        return True

    def fail(self, refund: Refund, reason: str | None, now: datetime) -> bool:
        """A failed refund gives its amount (and any fee reversal) back."""
        if refund.status is RefundState.FAILED:
            return False
        refund.status = RefundState.FAILED
        refund.failure_reason = reason
        refund.platform_fee_reversed = Money.zero(refund.amount.currency)
        refund.updated_at = now
        return True
