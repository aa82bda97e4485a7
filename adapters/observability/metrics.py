"""Kassa's own Prometheus metrics (SPEC §9), beside the HTTP ones of Litestar's exporter.

Declared once per process, as Prometheus client libraries expect; with several worker
processes set PROMETHEUS_MULTIPROC_DIR (prometheus-client's multiprocess mode) and every
process writes there, `/metrics` of any one of them then sums them all."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

PREFIX = "kassa"

domain_events = Counter(
    f"{PREFIX}_domain_events",
    "Domain events recorded (payments by operation and outcome, refunds, disputes).",
    ["event"],
)
gateway_calls = Histogram(
    f"{PREFIX}_gateway_call_seconds",
    "Gateway calls by operation: how long they took.",
    ["operation"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
gateway_errors = Counter(
    f"{PREFIX}_gateway_errors", "Gateway calls that failed, by operation and error.",
    ["operation", "error"],
)  # fmt: skip
webhook_events_processed = Counter(
    f"{PREFIX}_webhook_events_processed",
    "Webhook events the consumer handled, by outcome (processed, stale, ignored, failed, …).",
    ["outcome"],
)
inbox_events = Gauge(
    f"{PREFIX}_webhook_inbox_events", "Webhook inbox events by status, read at scrape time.",
    ["status"], multiprocess_mode="max",
)  # fmt: skip
inbox_lag = Gauge(
    f"{PREFIX}_webhook_inbox_lag_seconds",
    "Age of the oldest unfinished webhook event (0 when none), read at scrape time.",
    multiprocess_mode="max",
)
portal_token_checks = Counter(
    f"{PREFIX}_portal_token_checks",
    "Portal link checks by result: ok, failed (401) or rate_limited (429).",
    ["result"],
)
bcrypt_queue = Gauge(
    f"{PREFIX}_bcrypt_queue_depth",
    "bcrypt checks (portal link verifiers, decoys, new hashes) on the bcrypt thread pool: "
    "waiting for a thread, or running.",
    ["state"],
    multiprocess_mode="livesum",
)
mails = Counter(
    f"{PREFIX}_mails",
    "Mail delivery attempts by outcome: sent (handed to the mail server) or failed (retried).",
    ["outcome"],
)
