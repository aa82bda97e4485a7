"""The world every scenario runs in: Kassa on the memory store and the fake gateway."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from adapters.system.clock import FixedClock
from entrypoints.container import Container
from entrypoints.settings import Settings
from tests.steps.fee_steps import *  # noqa: F403
from tests.steps.merchant_event_steps import *  # noqa: F403
from tests.steps.merchant_steps import *  # noqa: F403
from tests.steps.payment_page_steps import *  # noqa: F403
from tests.steps.payment_steps import *  # noqa: F403
from tests.steps.portal_steps import *  # noqa: F403
from tests.steps.receipt_steps import *  # noqa: F403
from tests.steps.refund_steps import *  # noqa: F403
from tests.steps.shop import Shop, shop_container
from tests.steps.webhook_steps import *  # noqa: F403

A_MONDAY_MORNING = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(A_MONDAY_MORNING)


@pytest.fixture
def container(clock: FixedClock) -> Container:
    return shop_container(Settings(database_url="memory://"), clock)


@pytest.fixture
def shop(container: Container, clock: FixedClock) -> Iterator[Shop]:
    with asyncio.Runner() as loop:
        yield Shop(container, loop, clock)
