"""A merchant's shop driving Kassa through the container's use cases, one loop per scenario."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable, Coroutine, Sequence
from typing import Any, TypeVar

from dependency_injector import providers

from adapters.gateways.fake import FakePaymentGateway
from adapters.gateways.fake_console import FakeGatewayConsole
from adapters.system.clock import FixedClock
from adapters.system.ids import SequentialIdFactory
from application.payments.cancel_payment import CancelPaymentCommand
from application.payments.capture_payment import CapturePaymentCommand
from application.payments.create_payment import CreatePaymentCommand
from application.payments.refund_payment import RefundPaymentCommand, RefundResult
from application.tenants.create_tenant import CreateTenantCommand
from application.tenants.update_tenant import SetFeeOverrideCommand, UpdateTenantCommand
from domain.audit import Actor
from domain.capture_method import CaptureMethod
from domain.errors import DomainError
from domain.money import Money
from domain.payment import Payment
from domain.tenant import Tenant
from entrypoints.container import Container, build_container
from entrypoints.settings import Settings

T = TypeVar("T")
PLATFORM = Actor(kind="operator", id="platform-team")


def shop_container(settings: Settings, clock: FixedClock) -> Container:
    """The app's container for the features: time pinned to `clock`, ids in sequence."""
    container = build_container(settings)
    container.clock.override(providers.Object(clock))
    container.ids.override(providers.Object(SequentialIdFactory()))
    return container


class Shop:
    """Speaks to Kassa as a merchant's systems would; the features never see an id."""

    def __init__(self, container: Container, loop: asyncio.Runner, clock: FixedClock) -> None:
        self.container = container
        self.clock = clock
        self._loop = loop
        self._orders = itertools.count(1)

    def run(self, work: Coroutine[Any, Any, T]) -> T:
        return self._loop.run(work)

    def attempt(self, act: Callable[[], object]) -> DomainError | None:
        """Do `act`; return the business rule that refused it, or None if it went through."""
        try:
            act()
        except DomainError as refusal:
            return refusal
        return None

    @property
    def gateway(self) -> FakePaymentGateway:
        gateway = self.container.gateway()
        assert isinstance(gateway, FakePaymentGateway)
        return gateway

    @property
    def bank(self) -> FakeGatewayConsole:
        """What happens at the gateway outside Kassa (the bank settles, the customer acts)."""
        return FakeGatewayConsole(self.gateway)

    def hear_from_the_gateway(self) -> None:
        """The gateway's signed webhooks reach Kassa's inbox and are applied, as in production."""
        secret = self.container.settings().fake_webhook_secret
        for delivery in self.bank.deliveries(secret, self.clock.now()):
            receive = self.container.receive_webhook()
            self.run(receive.execute("fake", delivery.payload, delivery.signature))
        while self.run(self.container.webhook_consumer().run_once()):
            pass

    def new_order(self) -> str:
        return f"order-{next(self._orders):04d}"

    def open_merchant(self, tier: str) -> Tenant:
        command = CreateTenantCommand(name=f"A merchant on {tier}", fee_tier=tier)
        return self.run(self.container.create_tenant().execute(command))

    def negotiate(self, merchant: Tenant, bps: int, fixed: dict[str, int] | None) -> None:
        command = SetFeeOverrideCommand(merchant.id, PLATFORM, bps, fixed)
        self.run(self.container.set_fee_override().execute(command))

    def move_to_tier(self, merchant: Tenant, tier: str) -> None:
        command = UpdateTenantCommand(merchant.id, PLATFORM, fee_tier=tier)
        self.run(self.container.update_tenant().execute(command))

    def pay(
        self,
        merchant: Tenant,
        amount: Money,
        card: str,
        *,
        capture: CaptureMethod = CaptureMethod.AUTOMATIC,
        order_id: str | None = None,
        allow_additional: bool = False,
    ) -> Payment:
        command = CreatePaymentCommand(
            tenant_id=merchant.id,
            order_id=order_id or self.new_order(),
            amount=amount.amount,
            currency=amount.currency,
            capture_method=capture,
            confirm=True,
            payment_method=card,
            allow_additional=allow_additional,
        )
        return self.run(self.container.create_payment().execute(command))

    def capture(self, payment: Payment, amount: Money | None = None) -> Payment:
        command = CapturePaymentCommand(
            payment.tenant_id, payment.id, None if amount is None else amount.amount
        )
        return self.run(self.container.capture_payment().execute(command))

    def cancel(self, payment: Payment, reason: str | None) -> Payment:
        command = CancelPaymentCommand(payment.tenant_id, payment.id, reason)
        return self.run(self.container.cancel_payment().execute(command))

    def refund(self, payment: Payment, amount: Money | None = None) -> RefundResult:
        command = RefundPaymentCommand(
            payment.tenant_id, payment.id, None if amount is None else amount.amount
        )
        return self.run(self.container.refund_payment().execute(command))

    def reload(self, payment: Payment) -> Payment:
        """What Kassa says of the payment now (never the copy a step kept)."""
        return self.run(self.container.get_payment().execute(payment.tenant_id, payment.id))

    def order_payments(self, payment: Payment) -> Sequence[Payment]:
        work = self.container.list_order_payments().execute(payment.tenant_id, payment.order_id)
        return self.run(work)
