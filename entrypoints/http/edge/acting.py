"""A write through the API: who asks, and the Idempotency-Key that answers a retry once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import msgspec
from litestar import Request, Response
from litestar.di import NamedDependency
from msgspec import Struct

from application.access import Principal
from application.idempotency import IdempotencyContext, IdempotencyService
from domain.audit import Actor
from entrypoints.http.edge.actor import actor_of
from entrypoints.http.edge.idempotency import run_idempotent

R = TypeVar("R")


class Acting:
    """What every idempotent write shares besides its body and use case (a handler's
    `acting` dependency): the request, the caller, and the Idempotency-Key that gives a
    retry the first answer (`run_idempotent`)."""

    def __init__(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        idempotency: NamedDependency[IdempotencyService],
    ) -> None:
        self.request = request
        self._principal = principal
        self._idempotency = idempotency

    @property
    def tenant_id(self) -> str:
        return self._principal.tenant_id

    @property
    def actor(self) -> Actor:
        return actor_of(self.request, self._principal)

    async def once(self, respond: Callable[[], Awaitable[Response[Any]]]) -> Response[Any]:
        """`respond`'s answer, run once per Idempotency-Key (without one: every time)."""

        async def act(_: IdempotencyContext | None) -> Response[Any]:
            return await respond()

        return await run_idempotent(self.request, self.tenant_id, self._idempotency, act)

    async def created(
        self, make: Callable[[], Awaitable[R]], render: Callable[[R], Struct]
    ) -> Response[Any]:
        """201 with the resource `render` makes of what `make` created, once per key."""

        async def respond() -> Response[Any]:
            body = msgspec.json.encode(render(await make()))
            return Response(body, status_code=201, media_type="application/json")

        return await self.once(respond)
