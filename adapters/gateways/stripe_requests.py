"""How the Stripe gateway sends one request: idempotency key, retries, errors translated.

Retries are Kassa's own rather than the SDK's `max_network_retries`: the SDK retries every
409 and no plain 429, and raises only its last attempt's error, so it cannot tell whether an
earlier attempt may have reached Stripe. Here every attempt carries the same idempotency key,
and a final failure after any attempt that may have acted is an unknown outcome."""

from __future__ import annotations

import asyncio
import logging
import random
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import stripe

from adapters.gateways.stripe_errors import (
    CardDeclinedError,
    describe,
    error_body,
    is_retryable,
    may_have_acted,
    translate,
)

_log = logging.getLogger("adapters.gateways.stripe")

MAX_ATTEMPTS = 5

Send = Callable[[stripe.RequestOptions], Awaitable[stripe.StripeObject]]


class StripeRequests:
    """Exponential backoff with jitter, at most MAX_ATTEMPTS attempts, and only for
    connection failures, 429, 409 lock_timeout and 5xx: never for card or validation errors."""

    def __init__(
        self,
        secret_key: str,
        max_retries: int,
        retry_delay: float,
        max_retry_delay: float,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if not 0 <= max_retries < MAX_ATTEMPTS:
            raise ValueError(f"max_retries must be between 0 and {MAX_ATTEMPTS - 1}.")
        self._secret = secret_key
        self.max_retries = max_retries
        self._retry_delay = retry_delay
        self._max_retry_delay = max_retry_delay
        self._sleep = sleep

    def backoff(self, attempt: int) -> float:
        """Doubling from `retry_delay`, capped, drawn from the upper half so retries spread."""
        ceiling = min(self._max_retry_delay, self._retry_delay * 2 ** (attempt - 1))
        return random.uniform(ceiling / 2, ceiling)

    async def send(
        self,
        operation: str,
        send: Send,
        idempotency_key: str | None = None,
        *,
        mutating: bool = True,
        declines: bool = False,
    ) -> dict[str, Any]:
        """`send` Stripe's answer as a plain dict, or Kassa's error for its failure.

        A mutating request without a caller's key gets one of its own, the same on every
        attempt. With `declines`, a 402 raises CardDeclinedError for the caller to read as a
        result; without, it is a refusal like any other."""
        options: stripe.RequestOptions = {}
        if mutating:
            options["idempotency_key"] = idempotency_key or f"kassa-{uuid.uuid4()}"
        acted = False
        for attempt in range(1, self.max_retries + 2):
            try:
                return (await send(options)).to_dict()
            except stripe.StripeError as exc:
                if declines and isinstance(exc, stripe.CardError):
                    raise CardDeclinedError(error_body(exc)) from None
                acted = acted or (mutating and may_have_acted(exc))
                if attempt > self.max_retries or not is_retryable(exc):
                    raise translate(exc, operation, secret=self._secret, acted=acted) from None
                delay = self.backoff(attempt)
                _log.warning(
                    "Stripe %s failed on attempt %d (%s); retrying in %.2f s",
                    operation,
                    attempt,
                    describe(exc),
                    delay,
                )
                await self._sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover
