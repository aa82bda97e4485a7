"""The system ports: time, ids, the slow hash, and where domain events go."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from domain.events import DomainEvent


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware UTC."""
        ...


class IdFactory(Protocol):
    def new(self, prefix: str) -> str:
        """A new unique id such as `pay_…`."""
        ...


class SecretHasher(Protocol):
    """A slow, salted hash (bcrypt) for portal token verifiers; runs off the event loop."""

    async def hash(self, secret: str) -> str: ...

    async def verify(self, secret: str, hashed: str) -> bool: ...

    async def waste_time(self, secret: str) -> None:
        """Spend what a verify costs, so an unknown selector takes as long as a wrong one."""
        ...


class EventPublisher(Protocol):
    async def publish(self, events: Sequence[DomainEvent]) -> None: ...
