"""Litestar's Prometheus exporter for less work a request: the same metrics, names and
labels, but each route's labelled series looked up once and kept.

Litestar's middleware builds a request object, a label dict and a wrapped `send` (with
`functools.wraps`) on every request, and finds the labelled series four times; on the
webhook receipt path that was a tenth of the CPU. The series of a route are few (its
methods, one template, the statuses it answers), so they are kept by those labels.
"""

from __future__ import annotations

import time
from typing import Any

from litestar.enums import ScopeType
from litestar.plugins.prometheus import PrometheusConfig, PrometheusMiddleware
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from litestar.types import ASGIApp, Message, Receive, Scope, Send

_IN_PROGRESS_STATUS = 200  # what Litestar labels a request with while it runs


class RouteMetricsMiddleware(PrometheusMiddleware):
    """`PrometheusConfig(middleware_class=RouteMetricsMiddleware, group_path=True)`.
    A config with extra labels, exemplars, excluded methods or ungrouped paths gets
    Litestar's own behaviour, unchanged."""

    def __init__(self, app: ASGIApp, config: PrometheusConfig) -> None:
        super().__init__(app, config)
        self._lean = bool(
            config.group_path
            and not config.labels
            and not config.exemplars
            and not config.excluded_http_methods
        )
        self._running: dict[tuple[str, str], Any] = {}  # (method, path) → gauge series
        self._done: dict[tuple[str, str, int], tuple[Any, Any, Any]] = {}  # + status

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self._lean:
            await super().__call__(scope, receive, send)
            return
        kind = scope["type"]
        method = scope["method"] if kind == ScopeType.HTTP else kind  # type: ignore[typeddict-item]
        path = scope["path_template"]
        running = self._running.get((method, path)) or self._running_series(method, path)
        started = time.perf_counter()
        status, duration = _IN_PROGRESS_STATUS, 0.0

        async def timed_send(message: Message) -> None:
            nonlocal status, duration
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                duration = time.perf_counter() - started
            await send(message)

        running.inc()
        try:
            await self.app(scope, receive, timed_send)
        finally:
            running.dec()
            key = (method, path, status)
            count, latency, errors = self._done.get(key) or self._done_series(key)
            if errors is not None:
                errors.inc()
            count.inc()
            latency.observe(duration)

    def _labels(self, method: str, path: str, status: int) -> dict[str, str | int | float]:
        """In the order Litestar registers the label names."""
        return {
            "method": method,
            "path": path,
            "status_code": status,
            "app_name": self._config.app_name,
        }

    def _running_series(self, method: str, path: str) -> Any:
        labels = self._labels(method, path, _IN_PROGRESS_STATUS)
        series = self.requests_in_progress(labels).labels(*labels.values())
        self._running[(method, path)] = series
        return series

    def _done_series(self, key: tuple[str, str, int]) -> tuple[Any, Any, Any]:
        labels = self._labels(*key)
        values = [*labels.values()]
        errors = (
            self.requests_error_count(labels).labels(*values)
            if key[2] >= HTTP_500_INTERNAL_SERVER_ERROR
            else None
        )
        series = (
            self.request_count(labels).labels(*values),
            self.request_time(labels).labels(*values),
            errors,
        )
        self._done[key] = series
        return series
