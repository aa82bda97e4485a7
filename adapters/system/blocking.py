"""Running a coroutine to the end from synchronous code, whatever loop this thread runs."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


def run_blocking(make: Callable[[], Awaitable[T]], *, name: str = "kassa-blocking") -> T:
    """What `make()` comes to, awaited on a thread and event loop of its own: safe even
    inside a running loop's thread (`asyncio.run` there refuses), and never touching that
    loop. Its exception is raised in the calling thread."""
    outcome: list[T] = []
    failure: list[BaseException] = []

    def run() -> None:
        async def main() -> T:
            return await make()

        try:
            outcome.append(asyncio.run(main()))
        except BaseException as exc:  # handed back to the calling thread
            failure.append(exc)

    worker = threading.Thread(target=run, name=name)
    worker.start()
    worker.join()
    if failure:
        raise failure[0]
    return outcome[0]
