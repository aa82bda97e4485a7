"""Who acts, for the audit trail: the bearer token's subject, from where, in which request."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection

from application.access import Principal
from domain.audit import Actor
from entrypoints.http.edge.request_id import request_id_of

MAX_USER_AGENT = 500  # enough to recognise a client; an audit row is no place for an essay


def actor_of(request: ASGIConnection[Any, Any, Any, Any], principal: Principal) -> Actor:
    user_agent = request.headers.get("user-agent")
    return Actor(
        kind="user",
        id=principal.subject,
        ip=request.client.host if request.client else None,
        user_agent=user_agent[:MAX_USER_AGENT] if user_agent else None,
        request_id=request_id_of(request.scope),
    )
