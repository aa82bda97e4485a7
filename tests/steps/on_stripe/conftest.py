"""The same world on the Stripe adapter, pointed at the suite's localstripe.

Only the scenarios tagged `@stripe` run here: the others need what localstripe cannot serve
(Stripe's `pm_card_*` decline and Mastercard cards, a cancellation reason) or the fake
gateway's console (the customer's 3-D Secure, the bank settling a refund). Each runs with
the `localstripe` marker, like the rest of the suite that needs the server."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.gateways.stripe_gateway import StripePaymentGateway
from adapters.system.clock import FixedClock
from entrypoints.container import Container
from entrypoints.settings import Settings
from tests.steps.shop import Shop, shop_container
from tests.support.localstripe import (  # noqa: F401
    SECRET_KEY,
    THIRD_PARTY_WARNINGS,
    LocalStripeServer,
    localstripe_fixture,
    localstripe_server_fixture,
)

HERE = Path(__file__).parent
TAG = "stripe"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Keep this folder's scenarios tagged `@stripe`; mark them as needing localstripe."""
    deselected = []
    for item in items:
        if HERE not in item.path.parents:
            continue
        if item.get_closest_marker(TAG) is None:
            deselected.append(item)
            continue
        for mark in (pytest.mark.localstripe, *THIRD_PARTY_WARNINGS):
            item.add_marker(mark)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if item not in deselected]


@pytest.fixture
def container(clock: FixedClock, localstripe: LocalStripeServer) -> Container:
    settings = Settings(
        database_url="memory://",
        gateway="stripe",
        stripe_secret_key=SECRET_KEY,
        stripe_api_base=localstripe.api_base,
    )
    return shop_container(settings, clock)


@pytest.fixture
def shop(container: Container, clock: FixedClock) -> Iterator[Shop]:
    with asyncio.Runner() as loop:
        yield Shop(container, loop, clock)
        gateway = container.gateway()
        assert isinstance(gateway, StripePaymentGateway)
        loop.run(gateway.aclose())  # on the loop its connections were opened on
