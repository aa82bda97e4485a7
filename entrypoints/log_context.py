"""What a log line is about: the request (its id), the tenant, and the payment, event or
other object involved. Each is bound once, where it becomes known (the request id
middleware, the auth guard, the route's path, the payment's outcome), and every line
written afterwards in the same request carries it, the access log line included."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

# The ids a line may carry, in the order they are written. Nothing else is bound: a value
# that is not an id (a token, an address, a body) has no way in.
LOGGED_IDS = (
    "request_id", "tenant_id", "payment_id", "refund_id", "order_id", "event_id",
    "customer_id", "invoice_id", "token_id", "mail_id", "endpoint_id", "delivery_id",
)  # fmt: skip

_bound: ContextVar[dict[str, str] | None] = ContextVar("kassa_log_context", default=None)


@contextmanager
def log_context(**ids: str) -> Iterator[None]:
    """A fresh context for one request or job. The dict is shared by everything running
    in it, so an id bound deep inside (a guard, a controller) is still on the lines that
    are written on the way out."""
    token = _bound.set({})
    bind_log_context(**ids)
    try:
        yield
    finally:
        _bound.reset(token)


def bind_log_context(**ids: str | None) -> None:
    """Add ids to the current context (none outside one). Only `LOGGED_IDS` are kept;
    the first value bound for a name stays (a route's payment is the request's payment)."""
    bound = _bound.get()
    if bound is None:
        return
    for name, value in ids.items():
        if value and name in LOGGED_IDS and name not in bound:
            bound[name] = str(value)


def bound_ids() -> dict[str, str]:
    """The ids bound in this context, in `LOGGED_IDS` order."""
    bound = _bound.get() or {}
    return {name: bound[name] for name in LOGGED_IDS if name in bound}
