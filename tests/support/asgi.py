"""httpx's in-process transport into a Litestar app, for tests that need concurrency or a
client address the Litestar test client does not give."""

from __future__ import annotations

from typing import Any

import httpx
from litestar import Litestar

HTTPX_DEFAULT_CLIENT = ("127.0.0.1", 123)


def asgi_transport(
    app: Litestar, client: tuple[str, int] = HTTPX_DEFAULT_CLIENT
) -> httpx.ASGITransport:
    # httpx types the app as an ASGI callable over plain mappings; Litestar's __call__ names
    # its scope and event types, which mypy does not take for the same callable.
    asgi_app: Any = app
    return httpx.ASGITransport(app=asgi_app, client=client)
