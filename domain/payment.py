"""The Payment aggregate: one payment's lifecycle, its refunds, fees and dispute."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from domain import events as ev
from domain.errors import (
    CaptureExceedsAuthorizedError,
    DomainError,
    InvalidAmountError,
    InvalidReasonError,
    InvalidStateTransitionError,
    RefundExceedsCapturedError,
    RefundNotFoundError,
    RefundWindowClosedError,
)
from domain.fees import FeeTerms
from domain.gateway_results import GatewayIntent, GatewayRefund
from domain.money import Money
from domain.refund import Refund
from domain.statuses import (
    AUTOMATIC_CANCELLATION,
    CANCELLATION_REASONS,
    REFUND_REASONS,
    CaptureMethod,
    DisputeStatus,
    GatewayFeeSource,
    PaymentStatus,
    RefundState,
    RefundStatus,
    SyncResult,
)

_FINAL_FOR_KASSA = (PaymentStatus.SUCCEEDED, PaymentStatus.CANCELED, PaymentStatus.FAILED)


@dataclass(eq=False, slots=True)
class Payment:
    """A payment of one tenant's order. Change it only through its methods."""

    id: str
    tenant_id: str
    order_id: str
    amount: Money
    capture_method: CaptureMethod
    created_at: datetime
    updated_at: datetime
    status: PaymentStatus = PaymentStatus.REQUIRES_PAYMENT_METHOD
    customer_id: str | None = None
    invoice_id: str | None = None
    payment_method: str | None = None
    description: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    amount_capturable: int = 0
    amount_captured: int = 0
    captured_at: datetime | None = None
    fee_terms: FeeTerms | None = None
    platform_fee: int = 0
    gateway_fee: int = 0
    gateway_fee_source: GatewayFeeSource = GatewayFeeSource.ESTIMATED
    gateway: str = "fake"
    connected_account_id: str | None = None  # the tenant's Stripe account when it was made
    gateway_payment_id: str | None = None
    gateway_charge_id: str | None = None
    client_secret: str | None = None
    next_action: dict[str, Any] | None = None
    failure_code: str | None = None
    failure_message: str | None = None
    decline_code: str | None = None
    cancellation_reason: str | None = None
    outcome_unknown: bool = False
    exclusive: bool = False  # taken without allow_additional: may hold its order's claim
    order_claim: bool = False  # the one claim on its order (a unique index in SQL)
    dispute_status: DisputeStatus = DisputeStatus.NONE
    dispute_amount: int = 0
    refunds: list[Refund] = field(default_factory=list)
    version: int = 0
    events: list[ev.DomainEvent] = field(default_factory=list, repr=False)

    # ---------------------------------------------------------------- creation

    @classmethod
    def create(
        cls,
        *,
        id: str,
        tenant_id: str,
        order_id: str,
        amount: Money,
        capture_method: CaptureMethod,
        now: datetime,
        gateway: str,
        payment_method: str | None = None,
        customer_id: str | None = None,
        invoice_id: str | None = None,
        description: str | None = None,
        metadata: dict[str, str] | None = None,
        connected_account_id: str | None = None,
        exclusive: bool = False,
    ) -> Payment:
        amount.ensure_chargeable()
        payment = cls(
            id=id,
            tenant_id=tenant_id,
            order_id=order_id,
            amount=amount,
            capture_method=capture_method,
            created_at=now,
            updated_at=now,
            status=(
                PaymentStatus.REQUIRES_CONFIRMATION
                if payment_method
                else PaymentStatus.REQUIRES_PAYMENT_METHOD
            ),
            customer_id=customer_id,
            invoice_id=invoice_id,
            payment_method=payment_method,
            description=description,
            metadata=dict(metadata or {}),
            gateway=gateway,
            connected_account_id=connected_account_id,
            exclusive=exclusive,
        )
        payment._record(ev.PaymentCreated, now, amount=amount)
        return payment

    # ------------------------------------------------------------ derived state

    @property
    def currency(self) -> str:
        return self.amount.currency

    def _money(self, amount: int) -> Money:
        return Money(amount, self.amount.currency)

    @property
    def amount_refunded(self) -> int:
        return sum(r.amount.amount for r in self.refunds if r.status is RefundState.SUCCEEDED)

    @property
    def amount_refund_pending(self) -> int:
        return sum(r.amount.amount for r in self.refunds if r.status is RefundState.PENDING)

    @property
    def refundable(self) -> Money:
        """What may still be refunded: captured less pending and succeeded refunds."""
        return self._money(self.amount_captured - self.amount_refunded - self.amount_refund_pending)

    @property
    def refund_status(self) -> RefundStatus:
        refunded = self.amount_refunded
        if refunded == 0:
            return RefundStatus.NONE
        return RefundStatus.FULL if refunded >= self.amount_captured else RefundStatus.PARTIAL

    @property
    def platform_fee_reversed(self) -> int:
        return sum(
            r.platform_fee_reversed.amount
            for r in self.refunds
            if r.status is RefundState.SUCCEEDED
        )

    @property
    def net_amount(self) -> int:
        """captured − platform fee − gateway fee; with the fees it always adds up to captured."""
        if self.amount_captured == 0:
            return 0
        return self.amount_captured - self.platform_fee - self.gateway_fee

    @property
    def is_settled_for_order(self) -> bool:
        """Whether this payment blocks another one for its order (duplicate prevention)."""
        return (
            self.status in (PaymentStatus.REQUIRES_CAPTURE, PaymentStatus.SUCCEEDED)
            and self.refund_status is not RefundStatus.FULL
        )

    def claim_order(self) -> None:
        """Before the gateway is asked to take money: an exclusive payment claims its order.

        The claim is what the store keeps unique per tenant and order, so a second payment
        for the order is refused before it reaches the gateway (SPEC §3)."""
        if self.exclusive and not self._releases_claim:
            self.order_claim = True

    @property
    def _releases_claim(self) -> bool:
        """Failed, canceled or fully refunded: the order may be paid again. A claim once
        released is never taken back (a later success at the gateway keeps it released),
        so recording what the gateway did can never collide with another payment."""
        return (
            self.status in (PaymentStatus.FAILED, PaymentStatus.CANCELED)
            or self.refund_status is RefundStatus.FULL
        )

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

    def sync(self, intent: GatewayIntent, terms: FeeTerms, now: datetime) -> SyncResult:
        """Apply what the gateway says of this payment, never moving it backwards."""
        if self.gateway_payment_id is None:
            self.gateway_payment_id = intent.gateway_payment_id
        elif intent.gateway_payment_id != self.gateway_payment_id:
            raise DomainError(f"Intent {intent.gateway_payment_id} is not payment {self.id}'s.")
        details_changed = self._absorb_details(intent)
        target = intent.status
        if target is self.status:
            result = self._refresh_same_status(intent, details_changed)
        elif not self._may_move_to(target):
            return SyncResult.STALE
        else:
            self._move_to(target, intent, terms, now)
            result = SyncResult.APPLIED
        if result is SyncResult.APPLIED:
            self.outcome_unknown = False
            self.updated_at = now
        return result

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

    def _may_move_to(self, target: PaymentStatus) -> bool:
        current = self.status
        if current.is_terminal:
            return False
        if current is PaymentStatus.FAILED:
            # Only a later success at the gateway (another card) moves a failure on.
            return target in (PaymentStatus.REQUIRES_CAPTURE, PaymentStatus.SUCCEEDED)
        if target is PaymentStatus.FAILED:
            # Money that moved (an authorization) is never undone by a failure.
            return current.rank < PaymentStatus.REQUIRES_CAPTURE.rank
        if target in (PaymentStatus.CANCELED, PaymentStatus.SUCCEEDED):
            return True
        return target.rank > current.rank

    def _move_to(
        self, target: PaymentStatus, intent: GatewayIntent, terms: FeeTerms, now: datetime
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
        self.fee_terms = terms
        if self.gateway_fee_source is not GatewayFeeSource.ACTUAL:
            self.gateway_fee = terms.gateway_fee_estimate(captured).amount
        gateway_fee = self._money(min(self.gateway_fee, captured.amount))
        self.gateway_fee = gateway_fee.amount
        self.platform_fee = terms.platform_fee(captured, gateway_fee).amount
        self._record(
            ev.PaymentCaptured, now, amount=captured, platform_fee=self._money(self.platform_fee)
        )

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

    def record_actual_gateway_fee(self, fee: Money, now: datetime) -> SyncResult:
        """The charge's balance transaction replaces the estimate."""
        if self.gateway_fee_source is GatewayFeeSource.ACTUAL and self.gateway_fee == fee.amount:
            return SyncResult.UNCHANGED
        self._money(fee.amount)
        if fee.currency != self.currency:
            return SyncResult.STALE  # settled in another currency: keep the estimate
        self.gateway_fee_source = GatewayFeeSource.ACTUAL
        self.gateway_fee = fee.amount
        if self.amount_captured:
            self.gateway_fee = min(fee.amount, self.amount_captured)
            self.platform_fee = min(self.platform_fee, self.amount_captured - self.gateway_fee)
        self.updated_at = now
        self._record(ev.GatewayFeeReported, now, gateway_fee=fee)
        return SyncResult.APPLIED

    # ---------------------------------------------------------------- refunds

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
        refundable = self.refundable
        wanted = refundable if amount is None else self._money(amount)
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
            platform_fee_reversed=Money.zero(self.currency),
        )
        self.refunds.append(refund)
        self.updated_at = now
        self._record(ev.RefundRequested, now, refund_id=refund_id, amount=wanted)
        return refund

    def refund(self, refund_id: str) -> Refund:
        for refund in self.refunds:
            if refund.id == refund_id:
                return refund
        raise RefundNotFoundError(f"Payment {self.id} has no refund {refund_id}.")

    def refund_by_gateway_id(self, gateway_refund_id: str) -> Refund | None:
        return next((r for r in self.refunds if r.gateway_refund_id == gateway_refund_id), None)

    def complete_refund(
        self, refund_id: str, gateway_refund_id: str | None, now: datetime
    ) -> SyncResult:
        refund = self.refund(refund_id)
        if gateway_refund_id:
            refund.gateway_refund_id = gateway_refund_id
        if refund.status is RefundState.SUCCEEDED:
            return SyncResult.UNCHANGED
        if refund.status is RefundState.FAILED and refund.amount > self.refundable:
            return SyncResult.STALE
        # Worked out before the refund counts as refunded: the share is of this refund alone.
        refund.platform_fee_reversed = self._fee_reversal_for(refund.amount)
        refund.status = RefundState.SUCCEEDED
        refund.failure_reason = None
        refund.updated_at = now
        self.updated_at = now
        self._record(
            ev.PaymentRefunded,
            now,
            refund_id=refund.id,
            amount=refund.amount,
            platform_fee_reversed=refund.platform_fee_reversed,
        )
        return SyncResult.APPLIED

    def record_refund_answer(
        self, refund_id: str, answer: GatewayRefund, now: datetime
    ) -> SyncResult:
        """The gateway's answer to Kassa's own refund `refund_id` (its reply, or the refund
        found again by reconciliation): from now on the two are matched by its id."""
        refund = self.refund(refund_id)
        named = refund.gateway_refund_id != answer.gateway_refund_id
        if named:
            refund.gateway_refund_id = answer.gateway_refund_id
            refund.updated_at = self.updated_at = now
        if answer.status is RefundState.SUCCEEDED:
            settled = self.complete_refund(refund_id, None, now)
        elif answer.status is RefundState.FAILED:
            settled = self.fail_refund(refund_id, answer.failure_reason, now)
        else:
            settled = SyncResult.UNCHANGED
        return SyncResult.APPLIED if named else settled

    def _fee_reversal_for(self, refunded_now: Money) -> Money:
        """Proportional, half up; the refund that empties the payment reverses the rest."""
        fee = self._money(self.platform_fee)
        left = fee - self._money(self.platform_fee_reversed)
        if self.amount_refunded + refunded_now.amount >= self.amount_captured:
            return left
        share = fee.share(refunded_now, self._money(self.amount_captured))
        return min(share, left, key=lambda m: m.amount)

    def fail_refund(self, refund_id: str, reason: str | None, now: datetime) -> SyncResult:
        """A failed refund gives its amount (and any fee reversal) back."""
        refund = self.refund(refund_id)
        if refund.status is RefundState.FAILED:
            return SyncResult.UNCHANGED
        refund.status = RefundState.FAILED
        refund.failure_reason = reason
        refund.platform_fee_reversed = Money.zero(self.currency)
        refund.updated_at = now
        self.updated_at = now
        self._record(ev.RefundFailed, now, refund_id=refund.id, amount=refund.amount)
        return SyncResult.APPLIED

    def absorb_gateway_refund(
        self, new_refund_id: str, gateway_refund: GatewayRefund, now: datetime
    ) -> SyncResult:
        """A refund the gateway reports (made there, or Kassa's own echoed back)."""
        refund = self.refund_by_gateway_id(gateway_refund.gateway_refund_id)
        own = gateway_refund.kassa_refund_id
        if refund is None and own is not None and any(r.id == own for r in self.refunds):
            # Kassa's own refund, reported before its answer was recorded (or lost).
            return self.record_refund_answer(own, gateway_refund, now)
        if refund is None:
            if self.status is not PaymentStatus.SUCCEEDED:
                return SyncResult.STALE
            if gateway_refund.amount > self.refundable:
                return SyncResult.STALE
            refund = Refund(
                id=new_refund_id,
                amount=gateway_refund.amount,
                reason=gateway_refund.reason,
                status=RefundState.PENDING,
                created_at=now,
                updated_at=now,
                platform_fee_reversed=Money.zero(self.currency),
                gateway_refund_id=gateway_refund.gateway_refund_id,
            )
            self.refunds.append(refund)
            self._record(ev.RefundRequested, now, refund_id=refund.id, amount=refund.amount)
            if gateway_refund.status is RefundState.PENDING:
                self.updated_at = now
                return SyncResult.APPLIED
        if gateway_refund.status is RefundState.SUCCEEDED:
            return self.complete_refund(refund.id, None, now)
        if gateway_refund.status is RefundState.FAILED:
            return self.fail_refund(refund.id, gateway_refund.failure_reason, now)
        return SyncResult.UNCHANGED

    # --------------------------------------------------------------- disputes

    def open_dispute(self, amount: Money, status: DisputeStatus, now: datetime) -> SyncResult:
        if self.dispute_status in (DisputeStatus.WON, DisputeStatus.LOST):
            return SyncResult.STALE
        if self.dispute_status is status and self.dispute_amount == amount.amount:
            return SyncResult.UNCHANGED
        first = self.dispute_status is DisputeStatus.NONE
        self.dispute_status = status
        self.dispute_amount = amount.amount
        self.updated_at = now
        if first:
            self._record(ev.DisputeOpened, now, amount=amount)
        return SyncResult.APPLIED

    def close_dispute(self, won: bool, now: datetime) -> SyncResult:
        outcome = DisputeStatus.WON if won else DisputeStatus.LOST
        if self.dispute_status is outcome:
            return SyncResult.UNCHANGED
        if self.dispute_status in (DisputeStatus.WON, DisputeStatus.LOST):
            return SyncResult.STALE
        self.dispute_status = outcome
        self.updated_at = now
        self._record(ev.DisputeClosed, now, outcome=outcome.value)
        return SyncResult.APPLIED

    # ----------------------------------------------------------------- events

    def _record(self, event_type: type[ev.DomainEvent], now: datetime, **data: Any) -> None:
        """Every change records an event, so this is also where a finished payment lets
        go of its order."""
        self.events.append(
            event_type(payment_id=self.id, tenant_id=self.tenant_id, occurred_at=now, **data)
        )
        if self.order_claim and self._releases_claim:
            self.order_claim = False

    def pull_events(self) -> list[ev.DomainEvent]:
        pulled, self.events = self.events, []
        return pulled
