"""`Allow` on an OPTIONS answer names every method of the path (RFC 9110).

Litestar 2 builds a path's OPTIONS handler with its first route handler and keeps it when
more handlers join the path, so its `Allow` names only the first one's methods
(litestar-org/litestar#4169, fixed in 3.0). This hook writes the whole list."""

from __future__ import annotations

from litestar.routes import HTTPRoute
from litestar.types import Message, Scope


async def complete_allow(message: Message, scope: Scope) -> None:
    """A `before_send` hook: on the start of an OPTIONS answer that has `Allow`, the
    methods of every route on the request's path."""
    if message["type"] != "http.response.start" or scope.get("method") != "OPTIONS":
        return
    headers = list(message.get("headers") or [])
    if not any(name.lower() == b"allow" for name, _ in headers):
        return
    template = scope.get("path_template")
    methods = sorted(
        {
            method
            for route in scope["app"].routes
            if isinstance(route, HTTPRoute) and route.path_format == template
            for method in route.methods
        }
    )
    if methods:
        headers = [(name, value) for name, value in headers if name.lower() != b"allow"]
        message["headers"] = [*headers, (b"allow", ", ".join(methods).encode())]
