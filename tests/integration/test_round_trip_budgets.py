"""Round-trip budgets of the hot paths (issue 13): statements, BEGIN and COMMIT counted on
PostgreSQL, in process, per request, after a warm-up. Not timed, so it does not flake: a
change that adds a round trip to one of these paths fails here and must say why.

Why each budget is what it is (see ARCHITECTURE.md, "Round trips"):
- charge, with a key or without: two statements, each on its own (autocommit), no BEGIN,
  no COMMIT. The first unit of work sends the order's duplicate rule (a check that no
  payment settles the order), the key, the payment and its merchant event; the second,
  after the gateway, sends the payment's change, the kept answer, the receipt number's
  bump (after the payment's change, in the same statement, so the counter is held for
  that statement alone), the receipt and the merchant events. The plain charge costs
  the same: the keyed one's key rides in its statements;
- portal warm view: one statement authenticates a viewable link and counts its use, one
  reads the invoices, each on its own (autocommit): no BEGIN, no COMMIT.
"""

from __future__ import annotations

import pytest
from dependency_injector import providers

from application.receipts.issue import IssueReceiptOnCapture
from entrypoints.container import Container, build_container
from entrypoints.http.app import create_app
from tests.perf.kassa import KassaSetup, in_process, prepare_kassa
from tests.perf.load import MakeCall
from tests.perf.payments_bench import kassa_charge
from tests.perf.portal_bench import issue_links, view
from tests.perf.round_trips import RoundTrips, count_round_trips

pytestmark = pytest.mark.postgres

KEYED_CHARGE = 2
PLAIN_CHARGE = 2
PORTAL_WARM_VIEW = 2


@pytest.fixture
async def setup(postgres_url: str, unique: str) -> KassaSetup:
    """A tenant of its own on the session's database; the fake gateway in memory."""
    return in_process(await prepare_kassa(postgres_url, tenant_id=f"ten_rt_{unique}"))


async def trips(container: Container, label: str, workload: MakeCall) -> RoundTrips:
    engine = container.engine()
    try:
        [found] = await count_round_trips(
            create_app(container), engine, {label: workload}, warmup=3, samples=5
        )
    finally:
        await engine.dispose()
    print(found.describe())
    return found


async def test_keyed_charge(setup: KassaSetup) -> None:
    found = await trips(
        build_container(setup.settings), "keyed", kassa_charge(setup, "b_key", idempotent=True)
    )
    assert found.total == KEYED_CHARGE, found.describe()  # counted, not just not over
    assert found.begins == found.commits == 0, found.describe()


async def test_plain_charge(setup: KassaSetup) -> None:
    found = await trips(
        build_container(setup.settings), "plain", kassa_charge(setup, "b_plain", idempotent=False)
    )
    assert found.total == PLAIN_CHARGE, found.describe()


async def test_charge_outbox_rides_along(setup: KassaSetup) -> None:
    """The merchant-event outbox rides in the statements that send each change: it costs
    no round trip and no transaction of its own."""
    with_outbox = await trips(
        build_container(setup.settings), "outbox", kassa_charge(setup, "b_ev", idempotent=True)
    )
    bare = build_container(setup.settings)
    bare.transaction_handlers.override(
        providers.List(
            providers.Singleton(
                IssueReceiptOnCapture, clock=bare.clock, ids=bare.ids, tenants=bare.fee_terms
            )
        )
    )
    without = await trips(bare, "no outbox", kassa_charge(setup, "b_noev", idempotent=True))
    carrying = [name for name, _ in with_outbox.by_statement if "merchant_events" in name]
    assert carrying and all(name.startswith("WITH (") for name in carrying), carrying
    assert with_outbox.total <= without.total, with_outbox.describe()
    assert with_outbox.begins == without.begins


async def test_portal_warm_view(setup: KassaSetup) -> None:
    links = await issue_links(setup, 2)
    found = await trips(build_container(setup.settings), "portal", view(links))
    assert found.total <= PORTAL_WARM_VIEW, found.describe()
