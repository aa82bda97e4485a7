"""A tenant's webhook endpoint: where its merchant events are POSTed, with the secret
that signs them, rotated with an overlap, and disabled when it has failed for days."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from domain.errors import DomainError
from domain.merchant_event import ALL_EVENTS, EVENT_TYPES

DISABLE_AFTER_FAILING_FOR = timedelta(days=3)
MAX_ROTATION_OVERLAP = timedelta(days=7)


class UnknownEventTypeError(DomainError):
    code = "unknown_event_type"


def check_event_types(types: list[str]) -> list[str]:
    if not types:
        raise UnknownEventTypeError("enabled_events lists at least one type (or '*').")
    for name in types:
        if name != ALL_EVENTS and name not in EVENT_TYPES:
            raise UnknownEventTypeError(f"No such event type: {name!r}.")
    return sorted(set(types))


@dataclass(eq=False, slots=True)
class WebhookEndpoint:
    id: str
    tenant_id: str
    url: str
    secret: str
    created_at: datetime
    updated_at: datetime
    enabled_events: list[str] = field(default_factory=lambda: [ALL_EVENTS])
    description: str | None = None
    disabled: bool = False
    disabled_reason: str | None = None  # why Kassa disabled it ("failing since …")
    previous_secret: str | None = None  # still signs until previous_secret_expires_at
    previous_secret_expires_at: datetime | None = None
    failing_since: datetime | None = None  # the first failure after the last success
    version: int = 0

    def subscribes(self, event_type: str) -> bool:
        return ALL_EVENTS in self.enabled_events or event_type in self.enabled_events

    def signing_secrets(self, now: datetime) -> list[str]:
        """The current secret, and during a rotation's overlap the previous one too."""
        secrets = [self.secret]
        expires = self.previous_secret_expires_at
        if self.previous_secret and expires is not None and now < expires:
            secrets.append(self.previous_secret)
        return secrets

    def rotate(self, new_secret: str, overlap: timedelta, now: datetime) -> None:
        if not timedelta(0) <= overlap <= MAX_ROTATION_OVERLAP:
            raise DomainError("The overlap is from 0 to 7 days.")
        self.previous_secret = self.secret
        self.previous_secret_expires_at = now + overlap
        self.secret = new_secret
        self.updated_at = now

    def set_disabled(self, disabled: bool, now: datetime) -> None:
        self.disabled = disabled
        self.disabled_reason = None
        if not disabled:
            self.failing_since = None
        self.updated_at = now

    def delivered(self) -> None:
        self.failing_since = None

    def failed(self, now: datetime) -> bool:
        """Record a failed attempt; True when this one disables the endpoint."""
        if self.failing_since is None:
            self.failing_since = now
            return False
        if not self.disabled and now - self.failing_since >= DISABLE_AFTER_FAILING_FOR:
            self.disabled = True
            self.disabled_reason = (
                f"Every delivery failed since {self.failing_since.isoformat()}; "
                "enable it again once it answers."
            )
            self.updated_at = now
            return True
        return False
