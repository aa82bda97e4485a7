"""`GET /health`: is the database reachable, does the gateway answer (SPEC §9)."""

from __future__ import annotations

import logging
from typing import Any

from litestar import Response, get
from litestar.datastructures import State

log = logging.getLogger("kassa.http")


async def _database(container: Any) -> None:
    async with container.unit_of_work() as uow:
        await uow.tenants.get("ten_health_check")


async def _gateway(container: Any) -> None:
    await container.gateway().ping()


@get("/health", tags=["operations"], summary="Database and gateway reachability", cache=False)
async def health(state: State) -> Response[dict[str, Any]]:
    checks: dict[str, str] = {}
    for name, probe in (("database", _database), ("gateway", _gateway)):
        try:
            await probe(state.container)
            checks[name] = "ok"
        except Exception:
            log.warning("Health check %s failed", name, exc_info=True)
            checks[name] = "unavailable"
    healthy = all(v == "ok" for v in checks.values())
    return Response(
        {"status": "ok" if healthy else "unavailable", "checks": checks},
        status_code=200 if healthy else 503,
    )
