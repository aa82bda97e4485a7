"""Committed domain events as log lines: one per event, its ids at the top level."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from adapters.events.logging_publisher import LoggingEventPublisher
from domain.events import PaymentCreated
from domain.money import Money

EVENT = PaymentCreated(
    payment_id="pay_1", tenant_id="ten_1", occurred_at=datetime(2026, 1, 1, tzinfo=UTC),
    amount=Money(1_130, "EUR"),
)  # fmt: skip


async def test_each_event_is_a_line_naming_its_ids(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="kassa.events"):
        await LoggingEventPublisher().publish([EVENT, EVENT])

    assert [r.getMessage() for r in caplog.records] == ["domain_event PaymentCreated"] * 2
    line = caplog.records[0]
    assert (line.payment_id, line.tenant_id) == ("pay_1", "ten_1")  # type: ignore[attr-defined]
    assert line.domain_event["amount"] == str(Money(1_130, "EUR"))  # type: ignore[attr-defined]


async def test_nothing_is_built_when_info_is_not_logged(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("dataclasses.fields", lambda _: pytest.fail("fields read"))
    with caplog.at_level(logging.WARNING, logger="kassa.events"):
        await LoggingEventPublisher().publish([EVENT])

    assert not caplog.records
