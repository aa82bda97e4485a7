"""Stopping the workers `kassa serve` runs beside the HTTP app, within a grace period."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any


async def stop_worker(
    stop: Callable[[], object],
    task: asyncio.Task[Any],
    *,
    grace_s: float,
    log: logging.Logger,
    name: str,
) -> None:
    """Ask the worker to stop and wait up to `grace_s` for its task; a worker that hangs or
    had failed is logged, never raised: the rest of the shutdown must still run."""
    stop()
    try:
        await asyncio.wait_for(task, grace_s)
    except TimeoutError:
        log.warning("The %s did not stop within %g s", name, grace_s)
    except Exception:
        log.exception("The %s had failed", name)
