"""A gateway that times its calls and counts their failures for /metrics, and otherwise
is the gateway it wraps."""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable
from typing import Any

from adapters.observability.metrics import gateway_calls, gateway_errors


class MeasuredGateway:
    """Wraps any gateway adapter: every coroutine method is measured under its name."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.name: str = inner.name

    def __getattr__(self, operation: str) -> Any:
        found = getattr(self._inner, operation)
        if not inspect.iscoroutinefunction(found):
            return found
        return _measured(operation, found)


def _measured(operation: str, call: Callable[..., Any]) -> Callable[..., Any]:
    async def measured(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return await call(*args, **kwargs)
        except Exception as exc:
            gateway_errors.labels(operation, type(exc).__name__).inc()
            raise
        finally:
            gateway_calls.labels(operation).observe(time.perf_counter() - started)

    return measured
