"""The portal's rate limits (SPEC §7) on Litestar's RateLimitMiddleware and stores.

Three budgets per link and minute — viewing, paying, changing saved methods — each a
RateLimitConfig, counted by one middleware (`PortalRateLimits`) for the handlers tagged
with its bucket (`opt={RATE_LIMIT_OPT: bucket}`). A fourth, per client address, counts failed link
checks (FailedCheckBudget). Counters live in one Litestar store: in memory, or in
Redis (KASSA_REDIS_URL) so that every Kassa process spends the same budget.
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from litestar import Request
from litestar.enums import ScopeType
from litestar.exceptions import TooManyRequestsException
from litestar.middleware.base import DefineMiddleware
from litestar.middleware.rate_limit import (
    CacheObject,
    RateLimitConfig,
    RateLimitMiddleware,
    get_remote_address,
)
from litestar.stores.base import Store
from litestar.types import ASGIApp, Receive, Scope, Send

from domain.portal_token import InvalidTokenError, split_token
from entrypoints.http.edge.counting_stores import (
    CountingMemoryStore,
    CountingRedisStore,
    WindowCounter,
)
from entrypoints.settings import Settings

RATE_LIMIT_OPT = "portal_rate_limit"
STORE_NAME = "portal_rate_limit"
VIEW, PAY, METHODS = "view", "pay", "methods"
_SWEEP_EVERY = 1_000  # writes between sweeps of expired counters from a memory store
_MINUTE = 60


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
        if self._writes % _SWEEP_EVERY == 0 and isinstance(store, CountingMemoryStore):
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


def client_address(request: Request[Any, Any, Any]) -> str:
    """Whom failed checks count against: the connecting address, as the ASGI server gives
    it. X-Forwarded-For is never read here (anyone can write it); behind a proxy,
    uvicorn's FORWARDED_ALLOW_IPS (default: loopback) names the proxies it believes. An
    IPv6 client counts by its /64, which one host usually holds whole."""
    host = get_remote_address(request)
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


class FailedCheckBudget:
    """Failed link checks (malformed, unknown, wrong verifier, expired, revoked) allowed
    per client address and minute; over it, 429 before the check costs a lookup or a
    bcrypt. Each check spends a unit *before* it runs, so a burst of parallel guesses
    cannot all pass before the first failure is counted, and gives it back unless the
    link was refused: successful checks cost nothing. A blocked address is refused even
    with a good link, since the budget is the address's, not the link's."""

    def __init__(self, counter: WindowCounter, per_minute: int) -> None:
        self._counter = counter
        self._per_minute = per_minute

    @asynccontextmanager
    async def checking(self, address: str) -> AsyncIterator[None]:
        key = f"failed_checks:ip:{address}"
        spent, retry_after = await self._counter.add(key, 1, _MINUTE)
        if spent > self._per_minute:  # the window stays as it started: no unit comes back
            raise TooManyRequestsException(
                detail="Too many invalid links from this address; wait before trying again.",
                headers={"Retry-After": str(retry_after)},
            )
        refused = False
        try:
            yield
        except InvalidTokenError:
            refused = True
            raise
        finally:
            if not refused:
                await self._counter.add(key, -1, _MINUTE)


def failed_check_budget(request: Request[Any, Any, Any]) -> FailedCheckBudget:
    """The budget, counting in the app's rate-limit store."""
    store = request.app.stores.get(STORE_NAME)
    if not isinstance(store, WindowCounter):
        raise TypeError(f"The {STORE_NAME!r} store must count (see rate_limit_stores).")
    settings: Settings = request.app.state.container.settings()
    return FailedCheckBudget(store, settings.portal_failed_auth_rate_limit)


class PortalRateLimits:
    """The three budgets as one middleware: a request is counted by its handler's bucket
    alone (`opt={RATE_LIMIT_OPT: bucket}`), and a handler in none passes straight on,
    rather than three middlewares each building a Request to ask whether it is theirs."""

    def __init__(self, app: ASGIApp, budgets: dict[str, int]) -> None:
        self._app = app
        self._limits = {
            name: PortalRateLimitMiddleware(
                app,
                RateLimitConfig(
                    rate_limit=("minute", per_minute),
                    identifier_for_request=_identifier(name),
                    store=STORE_NAME,
                ),
            )
            for name, per_minute in budgets.items()
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        handler = scope.get("route_handler")
        name = handler.opt.get(RATE_LIMIT_OPT) if handler is not None else None
        limit = self._limits.get(name) if scope["type"] == ScopeType.HTTP and name else None
        await (limit or self._app)(scope, receive, send)


def portal_rate_limits(settings: Settings) -> list[DefineMiddleware]:
    """The three budgets, as middleware for the portal's routers."""
    budgets = {
        VIEW: settings.portal_view_rate_limit,
        PAY: settings.portal_pay_rate_limit,
        METHODS: settings.portal_methods_rate_limit,
    }
    return [DefineMiddleware(PortalRateLimits, budgets=budgets)]


def rate_limit_stores(settings: Settings) -> dict[str, Store]:
    """The store the budgets count in; the app closes it on shutdown."""
    if settings.redis_url:
        namespace = f"{settings.redis_namespace}:{STORE_NAME}"
        store = CountingRedisStore.with_client(url=settings.redis_url, namespace=namespace)
        return {STORE_NAME: store}
    return {STORE_NAME: CountingMemoryStore()}
