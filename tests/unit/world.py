"""A small in-memory Kassa for use-case tests: the application's container on the memory
store, with the fake gateway, time, ids and the event publisher pinned by overrides."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from dependency_injector import providers

from adapters.gateways.fake import FakePaymentGateway
from adapters.persistence.memory.store import InMemoryStore
from adapters.persistence.memory.unit_of_work import InMemoryUnitOfWork
from adapters.system.clock import FixedClock
from adapters.system.ids import SequentialIdFactory
from application.idempotency import IdempotencyService
from application.payments.cancel_payment import CancelPayment
from application.payments.capture_payment import CapturePayment
from application.payments.confirm_payment import ConfirmPayment
from application.payments.create_payment import CreatePayment
from application.payments.reconcile import ReconcilePayments
from application.payments.refund_payment import RefundPayment
from domain.events import DomainEvent
from domain.tenant import Tenant
from entrypoints.container import Container, build_container
from entrypoints.settings import Settings
from tests.unit.factories import T0

SETTINGS = Settings(env="test", database_url="memory://", fake_gateway_state="memory")


class RecordingPublisher:
    def __init__(self) -> None:
        self.events: list[DomainEvent] = []

    async def publish(self, events: Sequence[DomainEvent]) -> None:
        self.events.extend(events)


@dataclass
class World:
    store: InMemoryStore = field(default_factory=InMemoryStore.with_seed_data)
    gateway: FakePaymentGateway = field(default_factory=FakePaymentGateway)
    clock: FixedClock = field(default_factory=lambda: FixedClock(T0))
    ids: SequentialIdFactory = field(default_factory=SequentialIdFactory)
    publisher: RecordingPublisher = field(default_factory=RecordingPublisher)
    container: Container = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.store.tenants["ten_1"] = Tenant("ten_1", "Shop", T0, T0)
        self.container = build_container(SETTINGS)
        self.container.memory_store.override(providers.Object(self.store))
        self.container.gateway.override(providers.Object(self.gateway))
        self.container.clock.override(providers.Object(self.clock))
        self.container.ids.override(providers.Object(self.ids))
        self.container.publisher.override(providers.Object(self.publisher))

    def uow(self) -> InMemoryUnitOfWork:
        uow: InMemoryUnitOfWork = self.container.unit_of_work()  # a Selector's choice is Any
        return uow

    def create(self) -> CreatePayment:
        return self.container.create_payment()

    def confirm(self) -> ConfirmPayment:
        return self.container.confirm_payment()

    def capture(self) -> CapturePayment:
        return self.container.capture_payment()

    def cancel(self) -> CancelPayment:
        return self.container.cancel_payment()

    def refund(self, window: timedelta = timedelta(days=90)) -> RefundPayment:
        return self.container.refund_payment(window=window)

    def idempotency(self) -> IdempotencyService:
        return self.container.idempotency()


def reconcile(world: World) -> ReconcilePayments:
    return world.container.reconcile_payments()
