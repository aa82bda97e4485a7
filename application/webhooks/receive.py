"""Receiving a signed gateway event into the inbox: verify, insert once, answer at once.

The hot path: the secret comes from configuration (no lookup), and the insert is one
statement committed on its own (`WebhookQueue.receive`: no BEGIN/COMMIT on PostgreSQL).
Types that change nothing are stored already done, so no consumer ever claims them."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from application.errors import SignatureError
from application.ports.gateway import GatewayEventFormat
from application.ports.system import Clock
from application.ports.webhook_inbox import WebhookQueue
from domain.webhook_event import WebhookEvent

log = logging.getLogger("kassa.webhooks")


class MalformedEventError(Exception):
    """Signed correctly, but not a gateway event; store nothing."""


class ReceiveWebhook:
    def __init__(
        self,
        queue: WebhookQueue,
        clock: Clock,
        secrets: Mapping[str, str],
        events: GatewayEventFormat,
    ) -> None:
        self._queue = queue
        self._clock = clock
        self._secrets = secrets
        self._events = events

    async def execute(self, gateway: str, payload: bytes, signature: str | None) -> bool:
        """Store the event; False if it was delivered before.

        Raises SignatureError or MalformedEventError, having stored nothing."""
        secret = self._secrets.get(gateway)
        if not secret:
            raise SignatureError(f"No webhook secret is configured for {gateway!r}.")
        now = self._clock.now()
        self._events.verify(payload, signature, secret, now)
        try:
            event_id, event_type = self._events.envelope(payload)
        except ValueError as exc:
            raise MalformedEventError(f"Signed, but not an event: {exc}") from None
        event = WebhookEvent.receive(
            id=event_id, gateway=gateway, type=event_type, payload=payload, now=now,
            kind=self._events.kind(event_type),
        )  # fmt: skip
        stored = await self._queue.receive(event)
        log.info(
            "Webhook event %s %s",
            event_type,
            "stored" if stored else "received before",
            extra={"event_id": event_id, "gateway": gateway},
        )
        return stored
