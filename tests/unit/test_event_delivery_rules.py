"""Delivery rules (§14): backoff with jitter, giving up after three days, and an endpoint
failing for days disabled."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain.event_delivery import (
    DeliveryAttempt,
    DeliveryStatus,
    EventDelivery,
    RetrySchedule,
    retry_delay,
)
from domain.webhook_endpoint import WebhookEndpoint
from entrypoints.container import build_container
from entrypoints.settings import Settings

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _attempt(at: datetime, status: int | None) -> DeliveryAttempt:
    return DeliveryAttempt("a", "d", "t", "we", "evt", at, status, 5, None)


def test_retries_back_off_exponentially_with_jitter() -> None:
    assert retry_delay(1, 0.5) == timedelta(seconds=30)
    assert retry_delay(2, 0.5) == timedelta(seconds=60)
    assert retry_delay(1, 0.0) == timedelta(seconds=15)
    assert retry_delay(30, 0.5) == timedelta(hours=6)


def test_a_configured_schedule_starts_and_caps_where_it_is_told() -> None:
    short = RetrySchedule(first=timedelta(seconds=0.2), longest=timedelta(seconds=2))
    delivery = EventDelivery("d", "t", "evt", "we", "payment.succeeded", T0, T0)
    delivery.record(_attempt(T0, 500), 0.5, short)
    assert delivery.next_attempt_at == T0 + timedelta(seconds=0.2)
    assert short.delay(2, 0.5) == timedelta(seconds=0.4)
    assert short.delay(10, 0.0) == timedelta(seconds=1)  # half the 2 s cap


def test_the_schedule_is_read_from_the_settings() -> None:
    settings = Settings.from_env(
        {
            "KASSA_EVENT_DELIVERY_FIRST_RETRY_SECONDS": "0.25",
            "KASSA_EVENT_DELIVERY_LONGEST_RETRY_SECONDS": "3",
        }
    )
    deliver = build_container(settings).deliver_events()
    assert deliver._retries == RetrySchedule(timedelta(seconds=0.25), timedelta(seconds=3))
    assert Settings().event_delivery_first_retry_seconds == 30


def test_a_delivery_failing_for_three_days_gives_up() -> None:
    delivery = EventDelivery("d", "t", "evt", "we", "payment.succeeded", T0, T0)
    now = T0
    while delivery.status is DeliveryStatus.PENDING:
        delivery.record(_attempt(now, 500), 0.5)
        now = delivery.next_attempt_at if delivery.status is DeliveryStatus.PENDING else now
    assert delivery.status is DeliveryStatus.FAILED
    assert timedelta(days=2) < now - T0 <= timedelta(days=3)


def test_an_endpoint_failing_for_three_days_is_disabled_with_a_reason() -> None:
    endpoint = WebhookEndpoint("we", "t", "https://x.example", "whsec_1", T0, T0)
    assert endpoint.failed(T0) is False
    assert endpoint.failed(T0 + timedelta(days=2)) is False
    assert endpoint.failed(T0 + timedelta(days=3)) is True
    assert endpoint.disabled and endpoint.disabled_reason
