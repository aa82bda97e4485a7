"""Guessing links is bounded per client address (§7): failed link checks of any kind spend
one address's budget (10 a minute), and over it the answer is 429 before bcrypt runs, in
memory and in Redis alike. Successful checks cost nothing; other addresses keep theirs."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from dependency_injector import providers
from litestar import Litestar

from application.ports.system import SecretHasher
from domain.portal_token import join_token
from entrypoints.container import Container
from entrypoints.http.app import create_app
from entrypoints.http.edge.rate_limits import STORE_NAME
from entrypoints.settings import Settings, SettingsError
from tests.e2e.conftest import OTHER_TENANT, TENANT, Api, close_container, kassa_container
from tests.e2e.portal_fixtures import PORTAL, TEST_BCRYPT_ROUNDS, Portal, portal_fixture  # noqa: F401
from tests.e2e.test_portal_security import random_part, wrong_verifier
from tests.support.asgi import asgi_transport
from tests.support.redis import fresh_namespace, keys_of, reachable_redis_url

BUDGET = 10  # failed checks per address and minute, by default
ADDRESS = ("192.0.2.10", 50_000)
ANOTHER_ADDRESS = ("203.0.113.9", 40_000)


class CountingHasher:
    """The real bcrypt hasher, counting the checks it runs (a verify, or the decoy's)."""

    def __init__(self, real: SecretHasher) -> None:
        self._real = real
        self.checks = 0

    async def hash(self, secret: str) -> str:
        return await self._real.hash(secret)

    async def verify(self, secret: str, hashed: str) -> bool:
        self.checks += 1
        return await self._real.verify(secret, hashed)

    async def waste_time(self, secret: str) -> None:
        self.checks += 1
        await self._real.waste_time(secret)


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
async def container(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Container]:
    """Kassa whose rate-limit counters live in memory, or in Redis under a namespace of
    this test's; its hasher counts bcrypt checks (`hasher` fixture)."""
    redis: dict[str, Any] = {}
    if request.param == "redis":
        redis = {"redis_url": await reachable_redis_url(), "redis_namespace": fresh_namespace()}
    kassa = await kassa_container(
        "memory",
        tmp_path,
        {TENANT: "Acme", OTHER_TENANT: "Other"},
        bcrypt_rounds=TEST_BCRYPT_ROUNDS,
        **redis,
    )
    kassa.hasher.override(providers.Object(CountingHasher(kassa.hasher())))
    yield kassa
    await close_container(kassa)
    if redis:
        await keys_of(redis["redis_url"], redis["redis_namespace"], delete=True)


@pytest.fixture
def hasher(container: Container) -> CountingHasher:
    counting = container.hasher()
    assert isinstance(counting, CountingHasher)
    return counting


def client_at(app: Litestar, address: tuple[str, int]) -> httpx.AsyncClient:
    """A client of `app` connecting from `address`, on the test's own event loop (the
    Litestar test client runs the app on a loop of its own and one request at a time)."""
    transport = asgi_transport(app, address)
    return httpx.AsyncClient(transport=transport, base_url="http://testserver.local")


@pytest.fixture
async def app(container: Container) -> AsyncIterator[Litestar]:
    """The app without its lifespan (nothing in it runs with these settings), whose
    enter and exit pytest-asyncio would run in different tasks."""
    kassa = create_app(container)
    async with kassa.stores.get(STORE_NAME):  # closes the Redis client at the end
        yield kassa


@pytest.fixture
async def api(app: Litestar, container: Container) -> AsyncIterator[Api]:
    async with client_at(app, ADDRESS) as client:
        yield Api(client, container, container.settings())  # type: ignore[arg-type]


@pytest.fixture
async def elsewhere(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    """The same app, reached from another client address."""
    async with client_at(app, ANOTHER_ADDRESS) as client:
        yield client


def made_up_link() -> str:
    return join_token(random_part(16), random_part(32))


def assert_refused_for_guessing(answer: httpx.Response) -> None:
    assert answer.status_code == 429, answer.text
    assert int(answer.headers["Retry-After"]) >= 1
    error = answer.json()["error"]
    assert (error["type"], error["code"]) == ("rate_limit_error", "rate_limited")
    assert error["request_id"] == answer.headers["X-Request-ID"]


async def test_thirty_made_up_links_from_one_address_are_refused_by_the_eleventh(
    portal: Portal, hasher: CountingHasher
) -> None:
    answers = [await portal.view(made_up_link()) for _ in range(30)]

    statuses = [a.status_code for a in answers]
    assert statuses == [401] * BUDGET + [429] * (30 - BUDGET), statuses
    assert_refused_for_guessing(answers[BUDGET])
    assert hasher.checks == BUDGET  # the 20 refused never reached bcrypt


async def test_thirty_wrong_verifiers_for_a_real_link_are_refused_by_the_eleventh(
    portal: Portal, hasher: CountingHasher
) -> None:
    token = await portal.link()
    statuses = [(await portal.view(wrong_verifier(token))).status_code for _ in range(30)]

    assert statuses == [401] * BUDGET + [429] * (30 - BUDGET), statuses
    assert hasher.checks == BUDGET


async def test_a_burst_of_parallel_guesses_runs_no_more_checks_than_the_budget(
    portal: Portal, hasher: CountingHasher
) -> None:
    answers = await asyncio.gather(
        *(portal.api.client.get(f"{PORTAL}/{made_up_link()}/invoice") for _ in range(30))
    )

    statuses = sorted(a.status_code for a in answers)
    assert statuses == [401] * BUDGET + [429] * (30 - BUDGET), statuses
    assert hasher.checks == BUDGET


async def test_every_kind_of_failed_check_spends_the_budget(portal: Portal) -> None:
    good, expired, revoked = await portal.good_expired_and_revoked()
    kinds = [made_up_link(), "kpt_not-a-token", wrong_verifier(good), expired, revoked]

    statuses = [(await portal.view(token)).status_code for token in kinds * 2]

    assert statuses == [401] * BUDGET
    assert_refused_for_guessing(await portal.view(made_up_link()))


async def test_successful_checks_cost_nothing(portal: Portal, hasher: CountingHasher) -> None:
    token = await portal.link()
    misses = [(await portal.view(made_up_link())).status_code for _ in range(BUDGET - 1)]
    views = [(await portal.view(token, what)).status_code for what in ["invoice", "history"] * 7]
    last_miss = (await portal.view(made_up_link())).status_code

    assert misses == [401] * (BUDGET - 1)
    assert views == [200] * 14
    assert last_miss == 401
    assert (await portal.view(made_up_link())).status_code == 429


async def test_a_blocked_address_is_refused_even_with_a_good_link_and_others_are_not(
    portal: Portal, elsewhere: httpx.AsyncClient, hasher: CountingHasher
) -> None:
    token = await portal.link()
    assert [(await portal.view(made_up_link())).status_code for _ in range(BUDGET)] == [
        401
    ] * BUDGET
    checks_before = hasher.checks

    # The budget is the address's, whatever the link: a good one waits out the minute too.
    assert_refused_for_guessing(await portal.view(token))
    assert_refused_for_guessing(await portal.act(token, "create-intent"))
    assert hasher.checks == checks_before

    # Another address has a budget of its own.
    assert (await elsewhere.get(f"{PORTAL}/{made_up_link()}/invoice")).status_code == 401
    assert (await elsewhere.get(f"{PORTAL}/{token}/invoice")).status_code == 200


async def test_a_forwarded_for_header_buys_no_new_budget(portal: Portal) -> None:
    """Only the ASGI client counts; the proxy in front (uvicorn's FORWARDED_ALLOW_IPS) is
    what may turn a trusted X-Forwarded-For into that client."""
    statuses = [
        (
            await portal.api.client.get(
                f"{PORTAL}/{made_up_link()}/invoice",
                headers={"X-Forwarded-For": f"198.51.100.{n}"},
            )
        ).status_code
        for n in range(BUDGET + 1)
    ]
    assert statuses == [401] * BUDGET + [429]


async def test_addresses_of_one_ipv6_64_share_a_budget(app: Litestar) -> None:
    async with (
        client_at(app, ("2001:db8:0:1::1", 1)) as one,
        client_at(app, ("2001:db8:0:1:ffff::2", 2)) as two,
        client_at(app, ("2001:db8:0:2::1", 3)) as next_door,
    ):
        halves = [one, two] * (BUDGET // 2)
        statuses = [(await c.get(f"{PORTAL}/{made_up_link()}/invoice")).status_code for c in halves]
        assert statuses == [401] * BUDGET
        assert (await one.get(f"{PORTAL}/{made_up_link()}/invoice")).status_code == 429
        assert (await next_door.get(f"{PORTAL}/{made_up_link()}/invoice")).status_code == 401


async def test_the_budget_is_configurable(tmp_path: Path) -> None:
    environ = {"KASSA_PORTAL_FAILED_AUTH_RATE_LIMIT": "3"}
    assert Settings.from_env(environ).portal_failed_auth_rate_limit == 3
    with pytest.raises(SettingsError):
        Settings.from_env({"KASSA_PORTAL_FAILED_AUTH_RATE_LIMIT": "0"})

    kassa = await kassa_container(
        "memory", tmp_path, {}, bcrypt_rounds=TEST_BCRYPT_ROUNDS, portal_failed_auth_rate_limit=3
    )
    async with client_at(create_app(kassa), ADDRESS) as client:
        statuses = [(await client.get(f"{PORTAL}/{made_up_link()}/invoice")).status_code]
        statuses += [(await client.get(f"{PORTAL}/kpt_x/invoice")).status_code for _ in range(3)]
    assert statuses == [401] * 3 + [429]
