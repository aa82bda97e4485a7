"""A deterministic gateway that behaves like Stripe's test mode (SPEC §13): its books are
kept in the database Kassa is configured with (every process sees one gateway) or, for
unit tests, the features and benchmarks, in this process's memory."""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol, TypeVar

from adapters.gateways.fake_bank import FakeBank, refund_snapshot
from adapters.gateways.fake_events import FakeEventLog
from adapters.gateways.fake_state import (
    FakeDispute,
    FakeIntent,
    FakeLedger,
    FakeRefund,
    MemoryFakeLedger,
)
from adapters.system.clock import SystemClock
from application.errors import GatewayError, GatewayOutcomeUnknownError
from application.ports.gateway import CaptureRequest, IntentRequest, RefundRequest
from application.ports.system import Clock
from domain.gateway_results import GatewayIntent, GatewayPaymentMethod, GatewayRefund
from domain.money import Money

T = TypeVar("T")


class FakeGatewayState(Protocol):
    """Where the fake gateway's books live; `run` is one transaction over them."""

    async def run(self, work: Callable[[FakeLedger], T], *, write: bool) -> T: ...


class MemoryFakeGatewayState:
    """The books in this process: only this process sees them, a restart forgets them."""

    def __init__(self) -> None:
        self.ledger = MemoryFakeLedger()
        # Every event before this position is delivered; of those after it, these are.
        # A poll reads from the first one not delivered, not from the start of the books.
        self._undelivered_from = 0
        self._delivered: set[int] = set()
        self._retries: dict[int, tuple[int, datetime]] = {}  # position → (attempts, not before)

    async def run(self, work: Callable[[FakeLedger], T], *, write: bool) -> T:
        return work(self.ledger)

    async def due_events(self, now: datetime, limit: int) -> list[tuple[int, str, int]]:
        due: list[tuple[int, str, int]] = []
        events = self.ledger.events
        for seq in range(self._undelivered_from, len(events)):
            if seq in self._delivered:
                continue
            attempts, not_before = self._retries.get(seq, (0, now))
            if not_before > now or len(due) == limit:
                break
            due.append((seq, events[seq].decode(), attempts))
        return due

    async def mark_delivered(self, seq: int, now: datetime, error: str | None = None) -> None:
        self._delivered.add(seq)
        self._retries.pop(seq, None)
        while self._undelivered_from in self._delivered:
            self._delivered.remove(self._undelivered_from)
            self._undelivered_from += 1

    async def retry_later(self, seq: int, at: datetime, error: str) -> None:
        attempts, _ = self._retries.get(seq, (0, at))
        self._retries[seq] = (attempts + 1, at)


def sequential_ids(run_id: str | None = None) -> Callable[[str], str]:
    """`pi_fake_<run><n>`: the run (random unless pinned) keeps ids unique across the
    processes and restarts that share one database; the number orders them."""
    run = run_id if run_id is not None else secrets.token_hex(3)
    numbers = itertools.count(1)
    return lambda prefix: f"{prefix}_fake_{run}{next(numbers):08d}"


class FakePaymentGateway:
    """The PaymentGateway port over the fake's books. Every call is one transaction of
    `state`; idempotency keys are honoured per key, across processes; every change is
    told in Stripe-format events, delivered by adapters.gateways.fake_delivery.

    `pm_card_timeout` acts, then raises GatewayOutcomeUnknownError, as a timeout would.
    """

    name = "fake"

    def __init__(
        self,
        clock: Clock | None = None,
        portal_base_url: str = "http://127.0.0.1:8000/fake-gateway",
        run_id: str | None = None,
        state: FakeGatewayState | None = None,
        ids: Callable[[str], str] | None = None,
    ) -> None:
        self.clock: Clock = clock or SystemClock()
        self.portal_base_url = portal_base_url
        self.state: FakeGatewayState = state or MemoryFakeGatewayState()
        self.ids = ids or sequential_ids(run_id)
        self.calls: list[tuple[str, str]] = []  # (operation, idempotency key), this process
        self.available = True
        self._log: FakeEventLog | None = None

    # ------------------------------------------------------------ plumbing

    async def act(self, work: Callable[[FakeBank], T], *, write: bool = True) -> T:
        """Run `work` at the gateway in one transaction (the operator console uses it)."""
        if not self.available:
            raise GatewayError("The fake gateway is switched off.")
        now = self.clock.now()
        return await self.state.run(
            lambda ledger: work(FakeBank(ledger, self.ids, now, self.portal_base_url)),
            write=write,
        )

    async def _once(self, operation: str, key: str, work: Callable[[FakeBank], T]) -> T:
        if self.available:
            self.calls.append((operation, key))
        return await self.act(work)

    @staticmethod
    def _heard(answer: tuple[GatewayIntent, bool]) -> GatewayIntent:
        snapshot, heard = answer
        if not heard:
            raise GatewayOutcomeUnknownError("The gateway did not answer in time.")
        return snapshot

    # -------------------- the books in memory (MemoryFakeGatewayState only), for tests

    @property
    def memory(self) -> MemoryFakeLedger:
        if not isinstance(self.state, MemoryFakeGatewayState):
            raise TypeError("This fake gateway keeps its books in the database.")
        return self.state.ledger

    @property
    def intents(self) -> dict[str, FakeIntent]:
        return self.memory.intents

    @property
    def refunds(self) -> dict[str, FakeRefund]:
        return self.memory.refunds

    @property
    def disputes(self) -> dict[str, FakeDispute]:
        return self.memory.disputes

    @property
    def log(self) -> FakeEventLog:
        if self._log is None:
            self._log = FakeEventLog(self.memory.events)
        return self._log

    def bank(self) -> FakeBank:
        """A bank over the books in memory, for tests acting synchronously."""
        return FakeBank(self.memory, self.ids, self.clock.now(), self.portal_base_url)

    def snapshot(self, intent: FakeIntent) -> GatewayIntent:
        return self.bank().snapshot(intent)

    def emit(self, event_type: str, obj: dict[str, Any]) -> None:
        """Log an event as if the gateway had sent it (any type, for tests)."""
        self.bank().emit(event_type, obj)

    # ------------------------------------------------------------ the port

    async def create_intent(self, request: IntentRequest, idempotency_key: str) -> GatewayIntent:
        return self._heard(
            await self._once(
                "create_intent",
                idempotency_key,
                lambda b: b.create_intent(request, idempotency_key),
            )
        )

    async def confirm_intent(
        self, gateway_payment_id: str, payment_method: str, idempotency_key: str
    ) -> GatewayIntent:
        return self._heard(
            await self._once(
                "confirm_intent",
                idempotency_key,
                lambda b: b.confirm_intent(gateway_payment_id, payment_method, idempotency_key),
            )
        )

    async def capture_intent(self, request: CaptureRequest, idempotency_key: str) -> GatewayIntent:
        return await self._once(
            "capture_intent", idempotency_key, lambda b: b.capture_intent(request, idempotency_key)
        )

    async def cancel_intent(
        self, gateway_payment_id: str, reason: str | None, idempotency_key: str
    ) -> GatewayIntent:
        return await self._once(
            "cancel_intent",
            idempotency_key,
            lambda b: b.cancel_intent(gateway_payment_id, reason, idempotency_key),
        )

    async def retrieve_intent(self, gateway_payment_id: str) -> GatewayIntent:
        return await self.act(lambda b: b.snapshot(b.intent(gateway_payment_id)), write=False)

    async def find_intent(self, payment_id: str) -> GatewayIntent | None:
        return await self.act(lambda b: b.find_intent(payment_id), write=False)

    async def list_intents(self, limit: int = 50) -> list[GatewayIntent]:
        """The newest intents first (the operator console lists them)."""
        return await self.act(
            lambda b: [b.snapshot(i) for i in b.ledger.latest_intents(limit)], write=False
        )

    async def create_refund(self, request: RefundRequest) -> GatewayRefund:
        return await self._once(
            "create_refund",
            request.idempotency_key,
            lambda b: b.create_refund(request),
        )

    async def find_refund(self, gateway_payment_id: str, refund_id: str) -> GatewayRefund | None:
        return await self.act(lambda b: b.find_refund(gateway_payment_id, refund_id), write=False)

    async def retrieve_refund(self, gateway_refund_id: str) -> GatewayRefund:
        return await self.act(lambda b: refund_snapshot(b.refund(gateway_refund_id)), write=False)

    async def retrieve_charge_fee(self, charge_id: str) -> Money | None:
        return await self.act(lambda b: b.charge_fee(charge_id), write=False)

    async def create_customer(self, email: str, name: str | None, idempotency_key: str) -> str:
        return await self._once(
            "create_customer",
            idempotency_key,
            lambda b: b.create_customer(email, name, idempotency_key),
        )

    async def attach_payment_method(
        self, gateway_customer_id: str, payment_method: str, idempotency_key: str
    ) -> GatewayPaymentMethod:
        return await self._once(
            "attach_payment_method",
            idempotency_key,
            lambda b: b.attach_payment_method(gateway_customer_id, payment_method, idempotency_key),
        )

    async def detach_payment_method(self, gateway_payment_method_id: str) -> None:
        await self.act(lambda b: b.book.detach(gateway_payment_method_id))

    async def list_payment_methods(self, gateway_customer_id: str) -> list[GatewayPaymentMethod]:
        return await self.act(lambda b: b.book.listed(gateway_customer_id), write=False)

    async def set_default_payment_method(
        self, gateway_customer_id: str, gateway_payment_method_id: str
    ) -> None:
        await self.act(lambda b: b.book.set_default(gateway_customer_id, gateway_payment_method_id))

    async def create_portal_session(self, gateway_customer_id: str, return_url: str) -> str:
        return await self.act(
            lambda b: b.create_portal_session(gateway_customer_id, return_url), write=False
        )

    async def ping(self) -> None:
        await self.act(lambda b: None, write=False)
