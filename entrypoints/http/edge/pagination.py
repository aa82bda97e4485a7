"""Stripe-style cursor pages and timestamp filters from query strings (SPEC §8)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from litestar.params import QueryParameter

from application.ports.repositories import PageRequest
from entrypoints.http.edge.errors import invalid_request

# The query parameters every list endpoint takes: a page of 1 to 100, an object id as cursor.
Limit = Annotated[int, QueryParameter(ge=1, le=100)]
Cursor = Annotated[str | None, QueryParameter(min_length=1, max_length=255)]
Text = Annotated[str | None, QueryParameter(min_length=1, max_length=255)]  # a filter's value


def page_request(limit: int, starting_after: str | None, ending_before: str | None) -> PageRequest:
    if starting_after is not None and ending_before is not None:
        raise invalid_request(
            "parameter_invalid",
            "Send starting_after or ending_before, not both.",
            param="ending_before",
        )
    return PageRequest(limit=limit, starting_after=starting_after, ending_before=ending_before)


def page_parameters(
    limit: Limit = 10, starting_after: Cursor = None, ending_before: Cursor = None
) -> PageRequest:
    """The `page` dependency of every list endpoint: its three query parameters, checked."""
    return page_request(limit, starting_after, ending_before)


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
