"""`GET /metrics` (SPEC §9): Prometheus text, HTTP figures by route template and status from
Litestar's exporter, Kassa's own (adapters.observability.metrics), and the webhook inbox
read at scrape time."""

from __future__ import annotations

import os
from typing import Any

from litestar import Response, get
from litestar.datastructures import State
from litestar.plugins.prometheus import PrometheusConfig
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
    multiprocess,
)

from adapters.observability.metrics import inbox_events, inbox_lag
from entrypoints.http.edge.route_metrics import RouteMetricsMiddleware

METRICS_PATH = "/metrics"


def prometheus_config() -> PrometheusConfig:
    """Requests and their latency by route template (`/api/v1/payments/{payment_id}`,
    never the ids or portal links themselves) and status, each route's series kept."""
    return PrometheusConfig(
        app_name="kassa",
        prefix="kassa",
        group_path=True,
        exclude=[METRICS_PATH],
        middleware_class=RouteMetricsMiddleware,
    )


@get(
    METRICS_PATH,
    tags=["operations"],
    summary="Prometheus metrics",
    media_type="text/plain",
    cache=False,
)
async def metrics(state: State) -> Response[bytes]:
    health = await state.container.inbox_health().execute()
    for status, count in health.counts.items():
        inbox_events.labels(status).set(count)
    inbox_lag.set(health.lag_seconds or 0.0)
    registry: Any = REGISTRY
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:  # several worker processes: sum them all
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return Response(generate_latest(registry), headers={"Content-Type": CONTENT_TYPE_LATEST})
