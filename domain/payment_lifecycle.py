"""How a payment moves through its statuses (SPEC §3), and how what the gateway reports
of it is applied: never backwards, money that moved never undone (SPEC §6)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from domain import events as ev
from domain.errors import (
    CaptureExceedsAuthorizedError,
    DomainError,
    InvalidAmountError,
    InvalidReasonError,
    InvalidStateTransitionError,
)
from domain.fees import FeeTerms
from domain.gateway_results import GatewayIntent
from domain.money import Money
from domain.payment_fees import PaymentFees
from domain.reasons import AUTOMATIC_CANCELLATION, CANCELLATION_REASONS
from domain.statuses import PaymentStatus
from domain.sync_result import SyncResult

_FINAL_FOR_KASSA = (PaymentStatus.SUCCEEDED, PaymentStatus.CANCELED, PaymentStatus.FAILED)


class PaymentLifecycle:
    """The Payment aggregate's status machine (a part of `Payment`, not used alone)."""

    if TYPE_CHECKING:  # what it uses of the aggregate root, `Payment`
        id: str
        amount: Money
        status: PaymentStatus
        updated_at: datetime
        amount_capturable: int
        amount_captured: int
        captured_at: datetime | None
        fees: PaymentFees
        gateway_payment_id: str | None
        gateway_charge_id: str | None
        client_secret: str | None
        payment_method: str | None
        next_action: dict[str, Any] | None
        failure_code: str | None
        failure_message: str | None
        decline_code: str | None
        cancellation_reason: str | None
        outcome_unknown: bool

        def _money(self, amount: int) -> Money: ...
        def _record(self, event_type: type[ev.DomainEvent], now: datetime, **data: Any) -> None: ...

    # ---------------------------------------------------------- guard clauses

    def ensure_confirmable(self) -> None:
        if self.status not in (
            PaymentStatus.REQUIRES_PAYMENT_METHOD,
            PaymentStatus.REQUIRES_CONFIRMATION,
        ):
            raise self._unexpected("confirmed")

    def ensure_capturable(self, amount: int | None) -> Money:
        """The amount a capture would take (default: all that is capturable)."""
        if self.status is not PaymentStatus.REQUIRES_CAPTURE:
            raise self._unexpected("captured")
        wanted = self.amount_capturable if amount is None else amount
        to_capture = self._money(wanted)
        if to_capture.is_zero():
            raise InvalidAmountError("A capture takes a positive amount.")
        if wanted > self.amount_capturable:
            raise CaptureExceedsAuthorizedError(
                f"Cannot capture {wanted}: only {self.amount_capturable} is authorized."
            )
        return to_capture

    def ensure_cancelable(self, reason: str | None) -> None:
        if reason is not None and reason not in CANCELLATION_REASONS | {AUTOMATIC_CANCELLATION}:
            raise InvalidReasonError(
                "cancellation_reason is one of " + ", ".join(sorted(CANCELLATION_REASONS)) + ".",
                param="cancellation_reason",
            )
        if self.status in _FINAL_FOR_KASSA:
            raise self._unexpected("canceled")

    def _unexpected(self, verb: str) -> InvalidStateTransitionError:
        return InvalidStateTransitionError(
            f"Payment {self.id} is {self.status.value} and cannot be {verb}."
        )

    # -------------------------------------------------------- gateway results

    def sync(self, intent: GatewayIntent, terms: FeeTerms | None, now: datetime) -> SyncResult:
        """Apply what the gateway says of this payment, never moving it backwards.
        `terms` may be None when `sync_captures(intent)` is False (no fees to take)."""
        if self.gateway_payment_id is None:
            self.gateway_payment_id = intent.gateway_payment_id
        elif intent.gateway_payment_id != self.gateway_payment_id:
            raise DomainError(f"Intent {intent.gateway_payment_id} is not payment {self.id}'s.")
        details_changed = self._absorb_details(intent)
        target = intent.status
        if target is self.status:
            result = self._refresh_same_status(intent, details_changed)
        elif not self.status.may_move_to(target):
            return SyncResult.STALE
        else:
            self._move_to(target, intent, terms, now)
            result = SyncResult.APPLIED
        if result is SyncResult.APPLIED:
            self.outcome_unknown = False
            self.updated_at = now
        return result

    def sync_captures(self, intent: GatewayIntent) -> bool:
        """Whether `sync(intent, …)` would capture, and so needs the fee terms."""
        target = intent.status
        return (
            target is PaymentStatus.SUCCEEDED
            and target is not self.status
            and self.status.may_move_to(target)
        )

    def _absorb_details(self, intent: GatewayIntent) -> bool:
        changed = False
        for name in ("client_secret", "gateway_charge_id", "payment_method"):
            value = intent.charge_id if name == "gateway_charge_id" else getattr(intent, name)
            if value and getattr(self, name) != value:
                setattr(self, name, value)
                changed = True
        return changed

    def _refresh_same_status(self, intent: GatewayIntent, details_changed: bool) -> SyncResult:
        if (
            self.status is PaymentStatus.REQUIRES_CAPTURE
            and intent.amount_capturable
            and intent.amount_capturable != self.amount_capturable
        ):
            self.amount_capturable = intent.amount_capturable
            return SyncResult.APPLIED
        if self.outcome_unknown or details_changed:
            return SyncResult.APPLIED
        return SyncResult.UNCHANGED

    def _move_to(
        self, target: PaymentStatus, intent: GatewayIntent, terms: FeeTerms | None, now: datetime
    ) -> None:
        previous = self.status
        self.status = target
        if target is PaymentStatus.REQUIRES_ACTION:
            self.next_action = intent.next_action
            self._record(ev.PaymentRequiresAction, now)
        elif target is PaymentStatus.REQUIRES_CAPTURE:
            self.next_action = None
            self.amount_capturable = intent.amount_capturable or self.amount.amount
            self._record(ev.PaymentAuthorized, now, amount=self._money(self.amount_capturable))
        elif target is PaymentStatus.SUCCEEDED:
            self.next_action = None
            if intent.amount_received:
                captured = intent.amount_received
            elif previous is PaymentStatus.REQUIRES_CAPTURE:
                captured = self.amount_capturable
            else:
                captured = self.amount.amount
            if terms is None:
                raise ValueError(f"Capturing payment {self.id} needs its fee terms.")
            self._capture(self._money(captured), terms, now)
        elif target is PaymentStatus.FAILED:
            self.failure_code = intent.failure_code
            self.failure_message = intent.failure_message
            self.decline_code = intent.decline_code
            self._record(ev.PaymentFailed, now, failure_code=intent.failure_code)
        elif target is PaymentStatus.CANCELED:
            self._cancel(intent.cancellation_reason, now)

    def _capture(self, captured: Money, terms: FeeTerms, now: datetime) -> None:
        if captured > self.amount:
            raise CaptureExceedsAuthorizedError("The gateway reports more captured than asked.")
        self.amount_capturable = 0  # a partial capture releases the rest
        self.amount_captured = captured.amount
        self.captured_at = now
        platform_fee = self.fees.take(captured, terms)
        self._record(ev.PaymentCaptured, now, amount=captured, platform_fee=platform_fee)

    def record_cancellation(self, reason: str | None, now: datetime) -> None:
        """The gateway confirmed a cancel Kassa asked for (a no-op when its webhook was
        recorded first: once the gateway acted, recording it must not fail)."""
        if self.status is PaymentStatus.CANCELED:
            return
        self.ensure_cancelable(reason)
        self.status = PaymentStatus.CANCELED
        self.outcome_unknown = False
        self._cancel(reason, now)

    def _cancel(self, reason: str | None, now: datetime) -> None:
        self.cancellation_reason = reason
        self.amount_capturable = 0  # the authorization is released
        self.next_action = None
        self.updated_at = now
        self._record(ev.PaymentCanceled, now, reason=reason)

    def mark_outcome_unknown(self, operation: str, now: datetime) -> None:
        """The gateway may or may not have acted; reconciliation will ask it."""
        self.outcome_unknown = True
        if self.status.rank < PaymentStatus.PROCESSING.rank:
            self.status = PaymentStatus.PROCESSING
        self.updated_at = now
        self._record(ev.PaymentOutcomeUnknown, now, operation=operation)

    def record_charge(self, charge_id: str, actual_fee: Money | None, now: datetime) -> SyncResult:
        """The gateway's charge for this payment: its id, and its actual fee once known."""
        result = SyncResult.UNCHANGED
        if self.gateway_charge_id != charge_id:
            self.gateway_charge_id = charge_id
            self.updated_at = now
            result = SyncResult.APPLIED
        if actual_fee is not None and self.record_actual_gateway_fee(actual_fee, now) is (
            SyncResult.APPLIED
        ):
            result = SyncResult.APPLIED
        return result

    def record_actual_gateway_fee(self, fee: Money, now: datetime) -> SyncResult:
        """The charge's balance transaction replaces the estimate."""
        result = self.fees.report_actual_gateway_fee(fee, self._money(self.amount_captured))
        if result is SyncResult.APPLIED:
            self.updated_at = now
            self._record(ev.GatewayFeeReported, now, gateway_fee=fee)
        return result
