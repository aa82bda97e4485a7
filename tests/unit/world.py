"""A small in-memory Kassa for use-case tests: memory store, fake gateway, pinned time."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from adapters.gateways.fake import FakePaymentGateway
from adapters.persistence.memory.store import InMemoryStore
from adapters.persistence.memory.unit_of_work import InMemoryUnitOfWork
from adapters.system.clock import FixedClock
from adapters.system.ids import SequentialIdFactory
from application.fees.terms import FeeTermsResolver
from application.idempotency import IdempotencyService
from application.payments.cancel_payment import CancelPayment
from application.payments.capture_payment import CapturePayment
from application.payments.confirm_payment import ConfirmPayment
from application.payments.create_payment import CreatePayment
from application.payments.reconcile import ReconcilePayments
from application.payments.refund_payment import RefundPayment
from domain.events import DomainEvent
from domain.fees import STRIPE_STANDARD_PRICING
from domain.tenant import Tenant
from tests.unit.factories import T0


class RecordingPublisher:
    def __init__(self) -> None:
        self.events: list[DomainEvent] = []

    async def publish(self, events: list[DomainEvent]) -> None:
        self.events.extend(events)


@dataclass
class World:
    store: InMemoryStore = field(default_factory=InMemoryStore.with_seed_data)
    gateway: FakePaymentGateway = field(default_factory=FakePaymentGateway)
    clock: FixedClock = field(default_factory=lambda: FixedClock(T0))
    ids: SequentialIdFactory = field(default_factory=SequentialIdFactory)
    publisher: RecordingPublisher = field(default_factory=RecordingPublisher)

    def __post_init__(self) -> None:
        self.store.tenants["ten_1"] = Tenant("ten_1", "Shop", T0, T0)

    def uow(self) -> InMemoryUnitOfWork:
        return InMemoryUnitOfWork(self.store, self.publisher)

    def _deps(self) -> dict[str, object]:
        return {
            "uow_factory": self.uow,
            "gateway": self.gateway,
            "clock": self.clock,
            "ids": self.ids,
            "fees": FeeTermsResolver(STRIPE_STANDARD_PRICING),
        }

    def create(self) -> CreatePayment:
        return CreatePayment(**self._deps())  # type: ignore[arg-type]

    def confirm(self) -> ConfirmPayment:
        return ConfirmPayment(**self._deps())  # type: ignore[arg-type]

    def capture(self) -> CapturePayment:
        return CapturePayment(**self._deps())  # type: ignore[arg-type]

    def cancel(self) -> CancelPayment:
        return CancelPayment(**self._deps())  # type: ignore[arg-type]

    def refund(self, window: timedelta = timedelta(days=90)) -> RefundPayment:
        return RefundPayment(**self._deps(), window=window)  # type: ignore[arg-type]

    def idempotency(self) -> IdempotencyService:
        return IdempotencyService(self.uow, self.clock)


def reconcile(world: World) -> ReconcilePayments:
    return ReconcilePayments(**world._deps())  # type: ignore[arg-type]
