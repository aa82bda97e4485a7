"""An idempotency record: one merchant POST under one `Idempotency-Key`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class IdempotencyState(StrEnum):
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"


@dataclass(eq=False, slots=True)
class IdempotencyRecord:
    tenant_id: str
    key: str
    fingerprint: str
    created_at: datetime
    expires_at: datetime
    locked_until: datetime
    state: IdempotencyState = IdempotencyState.IN_PROGRESS
    payment_id: str | None = None
    response_status: int | None = None
    response_body: bytes | None = None
    version: int = 0

    def is_expired(self, now: datetime) -> bool:
        return now >= self.expires_at

    def is_locked(self, now: datetime) -> bool:
        return self.state is IdempotencyState.IN_PROGRESS and now < self.locked_until

    def complete(self, status: int, body: bytes) -> None:
        self.state = IdempotencyState.COMPLETED
        self.response_status = status
        self.response_body = body

    def release(self, now: datetime) -> None:
        """Let a retry continue at once (the request failed without an answer to keep)."""
        self.locked_until = now
