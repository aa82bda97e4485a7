"""The fake gateway delivers its own events, as `stripe listen` forwards Stripe's (SPEC §13):
signed, oldest first, at least once, retried while Kassa does not answer."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Protocol

from adapters.gateways.stripe_signature import sign
from application.ports.system import Clock

log = logging.getLogger("kassa.fake_gateway")

# (payload, Stripe-Signature header) → the HTTP status Kassa answered; raises OSError or
# httpx.HTTPError when Kassa cannot be reached.
Send = Callable[[bytes, str], Awaitable[int]]

BATCH = 50
FIRST_RETRY_S = 0.5
LONGEST_RETRY_S = 10.0


class EventOutbox(Protocol):
    """The gateway's events not yet delivered (both fake gateway states keep them)."""

    async def due_events(self, now: datetime, limit: int) -> list[tuple[int, str, int]]:
        """(position, JSON, attempts so far) of undelivered events, oldest first, up to the
        first one whose retry is not due yet (nothing overtakes it)."""
        ...

    async def mark_delivered(self, seq: int, now: datetime, error: str | None = None) -> None: ...

    async def retry_later(self, seq: int, at: datetime, error: str) -> None:
        """Count a failed attempt; the next one is not before `at`."""
        ...


class FakeWebhookDelivery:
    """Posts due events in order; at the first one Kassa cannot take it stops and retries
    that one later, with a backoff doubling from FIRST_RETRY_S up to LONGEST_RETRY_S. An
    event Kassa refuses (4xx: it will never take it) is set aside as delivered, with the
    reason, so it does not hold up the rest."""

    def __init__(self, outbox: EventOutbox, send: Send, secret: str, clock: Clock) -> None:
        self._outbox = outbox
        self._send = send
        self._secret = secret
        self._clock = clock

    async def deliver_due(self) -> int:
        """Deliver what is due now; how many events Kassa took."""
        taken = 0
        while True:
            due = await self._outbox.due_events(self._clock.now(), BATCH)
            if not due:
                return taken
            for seq, body, attempts in due:
                payload = body.encode()
                signature = sign(payload, self._secret, int(self._clock.now().timestamp()))
                try:
                    status = await self._send(payload, signature)
                except Exception as exc:  # unreachable, timed out: try again later
                    await self._later(seq, attempts, f"{type(exc).__name__}: {exc}")
                    return taken
                if status >= 500:
                    await self._later(seq, attempts, f"HTTP {status}")
                    return taken
                refused = None if status < 300 else f"refused: HTTP {status}"
                if refused:
                    log.warning("Kassa refused fake gateway event %s: %s", seq, refused)
                await self._outbox.mark_delivered(seq, self._clock.now(), refused)
                taken += 1 if refused is None else 0

    async def _later(self, seq: int, attempts: int, error: str) -> None:
        pause = min(FIRST_RETRY_S * 2**attempts, LONGEST_RETRY_S)
        await self._outbox.retry_later(seq, self._clock.now() + timedelta(seconds=pause), error)

    async def run(self, stop: asyncio.Event, poll_seconds: float = 0.25) -> None:
        """Deliver until `stop` is set, looking for new events every `poll_seconds`."""
        while not stop.is_set():
            try:
                await self.deliver_due()
            except Exception:  # the database blinked: the events wait, try again
                log.exception("Delivering the fake gateway's events failed; retrying")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), poll_seconds)
