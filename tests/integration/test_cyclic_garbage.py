"""The hot paths leave no cyclic garbage (issue 13): what a request made is freed by
reference counting when it ends, so the cyclic collector's full passes, which walk the
heap, stay rare under load. Counted, not timed: the collector keeps what it would free
(`gc.DEBUG_SAVEALL`) over charges and webhook receipts in process, on PostgreSQL.

A unit of work and its repositories once made a cycle: 42 objects a charge, and a full
pass every half second at 900 charges a second."""

from __future__ import annotations

import collections
import contextlib
import gc
from collections.abc import Iterator

import pytest

from entrypoints.container import build_container
from entrypoints.http.app import create_app
from tests.perf.kassa import KassaSetup, in_process, prepare_kassa
from tests.perf.payments_bench import kassa_charge
from tests.perf.profile_path import call, lifespan, requests
from tests.perf.webhook_bench import signed_event

pytestmark = pytest.mark.postgres

WARMUP = 20
MEASURED = 20


@pytest.fixture
async def setup(postgres_url: str, unique: str) -> KassaSetup:
    """A tenant of its own on the session's database; the fake gateway in memory."""
    return in_process(await prepare_kassa(postgres_url, tenant_id=f"ten_gc_{unique}"))


@contextlib.contextmanager
def collected() -> Iterator[list[object]]:
    """The objects the collector finds unreachable after the block, kept (DEBUG_SAVEALL)."""
    found: list[object] = []
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        yield found
    finally:
        gc.collect()
        gc.set_debug(0)
        found.extend(gc.garbage)
        gc.garbage.clear()


async def test_charges_and_webhook_receipts_leave_no_cyclic_garbage(
    setup: KassaSetup, unique: str
) -> None:
    container = build_container(setup.settings)
    app = create_app(container)
    paths = {
        "keyed": lambda tag: kassa_charge(setup, f"{unique}{tag}", idempotent=True),
        "plain": lambda tag: kassa_charge(setup, f"{unique}{tag}", idempotent=False),
        "receipt": lambda tag: signed_event(f"{unique}{tag}"),
    }
    try:
        async with lifespan(app):
            for name, make_call in paths.items():
                for request in requests(make_call, f"w{name}", WARMUP):
                    assert await call(app, request) < 300
            for name, make_call in paths.items():
                with collected() as garbage:
                    for request in requests(make_call, f"m{name}", MEASURED):
                        assert await call(app, request) < 300
                kinds = collections.Counter(type(o).__qualname__ for o in garbage)
                assert not kinds, f"{name}: {kinds.most_common(10)}"
    finally:
        await container.engine().dispose()
