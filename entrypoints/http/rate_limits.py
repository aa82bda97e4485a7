"""The portal's rate limits (SPEC §7) on Litestar's RateLimitMiddleware and stores.

Three budgets per link and minute — viewing, paying, changing saved methods — each a
RateLimitConfig whose middleware counts only the handlers tagged with its bucket
(`opt={RATE_LIMIT_OPT: bucket}`). Counters live in one Litestar store: in memory, or in
Redis (KASSA_REDIS_URL) so that every Kassa process spends the same budget.
"""

from __future__ import annotations

import hashlib
from typing import Any

from litestar import Request
from litestar.exceptions import TooManyRequestsException
from litestar.middleware.base import DefineMiddleware
from litestar.middleware.rate_limit import (
    CacheObject,
    RateLimitConfig,
    RateLimitMiddleware,
    get_remote_address,
)
from litestar.stores.base import Store
from litestar.stores.memory import MemoryStore
from litestar.stores.redis import RedisStore
from litestar.types import Receive, Scope, Send

from domain.portal_token import InvalidTokenError, split_token
from entrypoints.settings import Settings

RATE_LIMIT_OPT = "portal_rate_limit"
STORE_NAME = "portal_rate_limit"
VIEW, PAY, METHODS = "view", "pay", "methods"
_SWEEP_EVERY = 1_000  # writes between sweeps of expired counters from a memory store


def bucket(name: str) -> dict[str, Any]:
    """The `opt` that puts a handler in a budget: `@get(..., opt=bucket(VIEW))`."""
    return {RATE_LIMIT_OPT: name}


def link_key(token: str) -> str:
    """What a link's counters are filed under: a hash, never the token itself."""
    return hashlib.sha256(b"kassa-portal-rate-limit\x00" + token.encode()).hexdigest()[:40]


class PortalRateLimitMiddleware(RateLimitMiddleware):
    """Litestar's middleware, plus `Retry-After` on the 429 and an occasional sweep of
    expired counters (a memory store keeps them until read, and every made-up token
    leaves one behind)."""

    def __init__(self, app: Any, config: RateLimitConfig) -> None:
        super().__init__(app, config)
        self._writes = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        except TooManyRequestsException as exc:
            headers = dict(exc.headers or {})
            reset = headers.get(self.config.rate_limit_reset_header_key, "")
            headers["Retry-After"] = str(max(int(reset), 1) if reset.isdigit() else 60)
            raise TooManyRequestsException(
                detail="Too many requests with this link; wait before trying again.",
                headers=headers,
            ) from None

    async def set_cached_history(self, key: str, cache_object: CacheObject, store: Store) -> None:
        await super().set_cached_history(key, cache_object, store)
        self._writes += 1
        if self._writes % _SWEEP_EVERY == 0 and isinstance(store, MemoryStore):
            await store.delete_expired()


def _identifier(name: str) -> Any:
    def identify(request: Request[Any, Any, Any]) -> str:
        token = str(request.path_params.get("token", ""))
        try:
            split_token(token)
        except InvalidTokenError:
            return f"{name}:ip:{get_remote_address(request)}"
        return f"{name}:link:{link_key(token)}"

    identify.__name__ = f"identify_{name}"
    return identify


def _in_bucket(name: str) -> Any:
    # Async on purpose: Litestar runs a sync check in a worker thread, on every request.
    async def check(request: Request[Any, Any, Any]) -> bool:
        return bool(request.route_handler.opt.get(RATE_LIMIT_OPT) == name)

    check.__name__ = f"in_{name}_bucket"
    return check


def portal_rate_limits(settings: Settings) -> list[DefineMiddleware]:
    """The three budgets, as middleware for the portal's router."""
    budgets = {
        VIEW: settings.portal_view_rate_limit,
        PAY: settings.portal_pay_rate_limit,
        METHODS: settings.portal_methods_rate_limit,
    }
    return [
        RateLimitConfig(
            rate_limit=("minute", per_minute),
            identifier_for_request=_identifier(name),
            check_throttle_handler=_in_bucket(name),
            middleware_class=PortalRateLimitMiddleware,
            store=STORE_NAME,
        ).middleware
        for name, per_minute in budgets.items()
    ]


def rate_limit_stores(settings: Settings) -> dict[str, Store]:
    """The store the budgets count in; the app closes it on shutdown."""
    if settings.redis_url:
        namespace = f"{settings.redis_namespace}:{STORE_NAME}"
        return {STORE_NAME: RedisStore.with_client(url=settings.redis_url, namespace=namespace)}
    return {STORE_NAME: MemoryStore()}
