"""The Payment aggregate root: its fields, its derived state, its order claim and events;
its parts live in payment_lifecycle, payment_refunds, refund_ledger, payment_fees, dispute."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from domain import events as ev
from domain.capture_method import CaptureMethod
from domain.dispute import Dispute
from domain.fees import FeeTerms
from domain.money import Money
from domain.payment_fees import GatewayFeeSource, PaymentFees
from domain.payment_lifecycle import PaymentLifecycle
from domain.payment_refunds import PaymentRefunds
from domain.refund import Refund
from domain.refund_ledger import RefundLedger
from domain.statuses import DisputeStatus, PaymentStatus, RefundStatus
from domain.sync_result import SyncResult

# A payment in one of these (and not fully refunded) settles its order: another payment
# for the order is refused unless it says allow_additional (SPEC §3).
ORDER_SETTLING_STATUSES = (PaymentStatus.REQUIRES_CAPTURE, PaymentStatus.SUCCEEDED)


@dataclass(eq=False, slots=True)
class Payment(PaymentLifecycle, PaymentRefunds):
    """A payment of one tenant's order, the aggregate root: its status machine
    (`PaymentLifecycle`), its refunds (`PaymentRefunds` over a `RefundLedger`), its fees
    (`PaymentFees`) and its dispute (`Dispute`) change only through its methods."""

    id: str
    tenant_id: str
    order_id: str
    amount: Money
    capture_method: CaptureMethod
    created_at: datetime
    updated_at: datetime
    gateway: str  # the gateway it was made through: only that gateway's events apply to it
    status: PaymentStatus = PaymentStatus.REQUIRES_PAYMENT_METHOD
    customer_id: str | None = None
    invoice_id: str | None = None
    payment_method: str | None = None
    description: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    amount_capturable: int = 0
    amount_captured: int = 0
    captured_at: datetime | None = None
    fees: PaymentFees = field(default_factory=PaymentFees)
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
    dispute: Dispute = field(default_factory=Dispute)
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
    def ledger(self) -> RefundLedger:
        """The refunds, with their rules, against what was captured."""
        return RefundLedger(self.refunds, self._money(self.amount_captured))

    @property
    def amount_refunded(self) -> int:
        return self.ledger.refunded

    @property
    def amount_refund_pending(self) -> int:
        return self.ledger.pending

    @property
    def refundable(self) -> Money:
        """What may still be refunded: captured less pending and succeeded refunds."""
        return self.ledger.refundable

    @property
    def refund_status(self) -> RefundStatus:
        return self.ledger.status

    @property
    def platform_fee_reversed(self) -> int:
        return self.ledger.fee_reversed

    @property
    def fee_terms(self) -> FeeTerms | None:
        return self.fees.terms

    @property
    def platform_fee(self) -> int:
        return self.fees.platform_fee

    @property
    def gateway_fee(self) -> int:
        return self.fees.gateway_fee

    @property
    def gateway_fee_source(self) -> GatewayFeeSource:
        return self.fees.gateway_fee_source

    @property
    def net_amount(self) -> int:
        """captured − platform fee − gateway fee; with the fees it always adds up to captured."""
        return self.fees.net(self.amount_captured)

    @property
    def dispute_status(self) -> DisputeStatus:
        return self.dispute.status

    @property
    def dispute_amount(self) -> int:
        return self.dispute.amount

    @property
    def is_settled_for_order(self) -> bool:
        """Whether this payment blocks another one for its order (duplicate prevention)."""
        return (
            self.status in ORDER_SETTLING_STATUSES and self.refund_status is not RefundStatus.FULL
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

    # --------------------------------------------------------------- disputes

    def open_dispute(self, amount: Money, status: DisputeStatus, now: datetime) -> SyncResult:
        first = self.dispute.status is DisputeStatus.NONE
        self.dispute, result = self.dispute.opened(amount.amount, status)
        if result is SyncResult.APPLIED:
            self.updated_at = now
            if first:
                self._record(ev.DisputeOpened, now, amount=amount)
        return result

    def close_dispute(self, won: bool, now: datetime) -> SyncResult:
        self.dispute, result = self.dispute.closed(won)
        if result is SyncResult.APPLIED:
            self.updated_at = now
            self._record(ev.DisputeClosed, now, outcome=self.dispute.status.value)
        return result

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
