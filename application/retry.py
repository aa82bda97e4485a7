"""Retrying a use case when a concurrent writer saved the same aggregate first."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from application.errors import ConflictError, StaleAggregateError

T = TypeVar("T")

MAX_ATTEMPTS = 5


async def retry_on_conflict(attempt: Callable[[], Awaitable[T]]) -> T:
    """Run `attempt` again, from a fresh read, while it loses optimistic-lock races."""
    for _ in range(MAX_ATTEMPTS - 1):
        try:
            return await attempt()
        except StaleAggregateError:
            continue
    try:
        return await attempt()
    except StaleAggregateError as exc:
        raise ConflictError("The payment was changed concurrently; try again.") from exc
