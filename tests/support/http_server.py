"""A real HTTP server for an app in this process: uvicorn on a free loopback port, so a
test speaks HTTP over TCP and can still look at the container (its gateway, its store)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn

from tests.support.ports import LOOPBACK, free_port


@asynccontextmanager
async def serving(
    app: Any, *, startup_timeout: float = 30.0, port: int | None = None
) -> AsyncIterator[str]:
    """Serve `app` until the block ends; yields its base URL (`http://127.0.0.1:PORT`).
    `port`: one chosen beforehand (free_port), when the app must know its own address."""
    port = port or free_port()
    config = uvicorn.Config(
        app, host=LOOPBACK, port=port, log_level="warning", access_log=False, lifespan="on"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        async with asyncio.timeout(startup_timeout):
            while not server.started:
                if task.done():
                    task.result()  # raises why it could not start
                    raise RuntimeError("uvicorn stopped before it started")
                await asyncio.sleep(0.02)
        yield f"http://{LOOPBACK}:{port}"
    finally:
        server.should_exit = True
        await task
