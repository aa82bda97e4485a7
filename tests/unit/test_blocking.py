"""run_blocking: a coroutine awaited to the end from synchronous code, even in a loop."""

from __future__ import annotations

import asyncio
import threading

import pytest

from adapters.system.blocking import run_blocking


async def test_it_answers_inside_a_running_loop_on_a_thread_of_its_own() -> None:
    async def where() -> tuple[str, asyncio.AbstractEventLoop]:
        return threading.current_thread().name, asyncio.get_running_loop()

    name, loop = run_blocking(where, name="kassa-test")

    assert name == "kassa-test"
    assert loop is not asyncio.get_running_loop()


def test_its_failure_is_raised_in_the_calling_thread() -> None:
    async def fail() -> None:
        raise LookupError("gone")

    with pytest.raises(LookupError, match="gone"):
        run_blocking(fail)
