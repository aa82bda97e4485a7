"""A gateway that fails as networks do, for the money-safety tests: around a real fake
gateway, some calls act and then lose their answer, some fail before they are sent."""

from __future__ import annotations

import asyncio
import inspect
import random
from dataclasses import dataclass, field
from typing import Any

from adapters.gateways.fake import FakePaymentGateway
from application.errors import GatewayError, GatewayOutcomeUnknownError
from application.ports.gateway import RefundRequest
from domain.gateway_results import GatewayRefund

ACTED_THEN_TIMED_OUT = "acted, then timed out"
FAILED_WITH_5XX = "5xx, not acted"
UNREACHABLE = "unreachable, not sent"
FAULTS = (ACTED_THEN_TIMED_OUT, FAILED_WITH_5XX, UNREACHABLE)


@dataclass
class FlakyGateway:
    """Delegates to `inner`; `create_refund` fails at `rate` with one of FAULTS.

    Only the first call under each idempotency key is failed, so the retry that
    reconciliation makes reaches the gateway, as it would once the network heals."""

    inner: FakePaymentGateway
    rate: float = 0.2
    rng: random.Random = field(default_factory=lambda: random.Random(20261129))
    faults: list[str] = field(default_factory=list)
    _seen_keys: set[str] = field(default_factory=set)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def create_refund(self, request: RefundRequest) -> GatewayRefund:
        first = request.idempotency_key not in self._seen_keys
        self._seen_keys.add(request.idempotency_key)
        fault = self.rng.choice(FAULTS) if first and self.rng.random() < self.rate else None
        if fault is not None:
            self.faults.append(fault)
        if fault == UNREACHABLE:
            raise GatewayError("The gateway could not be reached.")
        if fault == FAILED_WITH_5XX:
            raise GatewayOutcomeUnknownError("The gateway answered 502.")
        answer = await self.inner.create_refund(request)
        if fault == ACTED_THEN_TIMED_OUT:
            raise GatewayOutcomeUnknownError("The gateway did not answer in time.")
        return answer


@dataclass
class SlowGateway:
    """Delegates to `inner`, taking a moment before and after every call, as a network
    does: other requests and webhook deliveries get in between a call and its answer."""

    inner: Any  # a gateway
    rng: random.Random = field(default_factory=lambda: random.Random(7))
    most_seconds: float = 0.005

    def __getattr__(self, name: str) -> Any:
        found = getattr(self.inner, name)
        if not inspect.iscoroutinefunction(found):
            return found

        async def slowly(*args: Any, **kwargs: Any) -> Any:
            await asyncio.sleep(self.rng.uniform(0, self.most_seconds))
            answer = await found(*args, **kwargs)
            await asyncio.sleep(self.rng.uniform(0, self.most_seconds))
            return answer

        return slowly
