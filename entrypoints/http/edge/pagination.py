"""Stripe-style cursor pages and timestamp filters from query strings (SPEC §8)."""

from __future__ import annotations

from datetime import UTC, datetime

from application.ports.repositories import PageRequest
from entrypoints.http.edge.errors import invalid_request


def page_request(limit: int, starting_after: str | None, ending_before: str | None) -> PageRequest:
    if starting_after is not None and ending_before is not None:
        raise invalid_request(
            "parameter_invalid",
            "Send starting_after or ending_before, not both.",
            param="ending_before",
        )
    return PageRequest(limit=limit, starting_after=starting_after, ending_before=ending_before)


def parse_instant(value: str | None, param: str) -> datetime | None:
    """An ISO 8601 timestamp (UTC when it names no offset) or Unix seconds."""
    if value is None:
        return None
    text = value.strip()
    try:
        moment = (
            datetime.fromtimestamp(int(text), UTC)
            if text.isdigit()
            else datetime.fromisoformat(text)
        )
    except (ValueError, OverflowError, OSError):
        raise invalid_request(
            "parameter_invalid",
            f"Invalid {param}: expected an ISO 8601 timestamp such as 2025-01-31T12:00:00Z.",
            param=param,
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
