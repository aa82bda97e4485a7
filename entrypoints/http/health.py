"""`GET /health`: is the database reachable, does the gateway answer (SPEC §9)."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Response, get
from litestar.datastructures import State
from litestar.openapi.datastructures import ResponseSpec

log = logging.getLogger("kassa.http")
GATEWAY_CHECK_SECONDS = 5.0


class RememberedCheck:
    """The outcome of a check, kept for `seconds`: probes come every few seconds from
    every orchestrator and load balancer, and asking Stripe (with its retries) each time
    would be slow and rate limited."""

    def __init__(
        self,
        check: Callable[[], Awaitable[None]],
        seconds: float,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        self._check = check
        self._seconds = seconds
        self._timer = timer
        self._until = float("-inf")
        self._ok = False

    async def ok(self) -> bool:
        if self._timer() >= self._until:
            try:
                await self._check()
                self._ok = True
            except Exception:
                log.warning("Health check gateway failed", exc_info=True)
                self._ok = False
            self._until = self._timer() + self._seconds
        return self._ok


async def _database_ok(state: State) -> bool:
    try:
        async with state.container.unit_of_work() as uow:
            await uow.tenants.get("ten_health_check")
    except Exception:
        log.warning("Health check database failed", exc_info=True)
        return False
    return True


async def _gateway_ok(state: State) -> bool:
    remembered = state.get("gateway_check")
    if remembered is None:
        remembered = RememberedCheck(state.container.gateway().ping, GATEWAY_CHECK_SECONDS)
        state["gateway_check"] = remembered
    ok: bool = await remembered.ok()
    return ok


@get(
    "/health",
    tags=["operations"],
    summary="Database and gateway reachability",
    responses={
        503: ResponseSpec(
            dict[str, Any], description="`unavailable`: `checks` names what does not answer."
        )
    },
    cache=False,
)
async def health(state: State) -> Response[dict[str, Any]]:
    """The database is asked every time; the gateway's answer is kept a few seconds."""
    checks = {
        "database": "ok" if await _database_ok(state) else "unavailable",
        "gateway": "ok" if await _gateway_ok(state) else "unavailable",
    }
    healthy = all(v == "ok" for v in checks.values())
    return Response(
        {"status": "ok" if healthy else "unavailable", "checks": checks},
        status_code=200 if healthy else 503,
    )
