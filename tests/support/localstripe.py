"""localstripe (a stateful stand-in for Stripe's API) served on 127.0.0.1 for the test suites.

localstripe's own command listens on every interface, so the suite serves its aiohttp app
itself, on a free loopback port, from a thread with its own event loop. localstripe keeps
every object in one module-level store, which it also pickles to /tmp/localstripe.pickle on
each write: the server here never loads that file and stops the writes, so concurrent runs
never share state, and `flush` empties the store between tests (localstripe's own
`DELETE /_config/data`)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from concurrent.futures import Future

import httpx
import pytest
from aiohttp import web

SECRET_KEY = "sk_test_kassa_localstripe_0123456789"
TEST_CARD_NUMBERS = {
    # Stripe's test card numbers that localstripe honours (it knows few `pm_card_*` ids).
    "declined": "4000000000000341",  # attaches, then every charge is declined
    "three_d_secure": "4000002760003184",  # Stripe's pm_card_threeDSecureRequired
}

# Deprecations inside localstripe (sync aiohttp handlers) and stripe-python (str as httpx data).
THIRD_PARTY_WARNINGS = [
    pytest.mark.filterwarnings("ignore:Bare functions are deprecated:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:Use 'content=<...>':DeprecationWarning"),
]


class LocalStripeServer:
    """One localstripe app per test session (its store is module-level: one per process)."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runner: web.AppRunner | None = None
        self._client: httpx.Client | None = None
        self.api_base = ""

    def start(self) -> None:
        from localstripe import server
        from localstripe.resources import store

        store.dump_to_disk = lambda: None
        self._thread.start()
        self._runner = web.AppRunner(server.app, access_log=None)
        self._run(self._serve(self._runner))
        host, port = self._runner.addresses[0][:2]
        self.api_base = f"http://{host}:{port}"
        self._client = httpx.Client(
            base_url=self.api_base, headers={"Authorization": f"Bearer {SECRET_KEY}"}
        )

    def stop(self) -> None:
        from localstripe.resources import store

        if self._client is not None:
            self._client.close()
        if self._runner is not None:
            self._run(self._shutdown(self._runner))
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()
        store.clear()
        del store.dump_to_disk  # localstripe's own method again

    def _run(self, coro: object) -> None:
        future: Future[None] = asyncio.run_coroutine_threadsafe(coro, self._loop)  # type: ignore[arg-type]
        future.result(timeout=10)

    @staticmethod
    async def _serve(runner: web.AppRunner) -> None:
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()

    @staticmethod
    async def _shutdown(runner: web.AppRunner) -> None:
        await runner.cleanup()
        # localstripe schedules webhook deliveries as loose tasks; none has anywhere to go.
        current = asyncio.current_task()
        for task in asyncio.all_tasks():
            if task is not current:
                task.cancel()

    # ------------------------------------------------------------ test helpers

    @property
    def http(self) -> httpx.Client:
        assert self._client is not None, "the server is not started"
        return self._client

    def flush(self) -> None:
        self.http.delete("/_config/data").raise_for_status()

    def count(self, resource: str) -> int:
        """How many objects of a kind (`payment_intents`, `refunds`, …) localstripe holds."""
        answer = self.http.get(f"/v1/{resource}", params={"limit": 100})
        answer.raise_for_status()
        return int(answer.json()["total_count"])

    def card(self, kind: str) -> str:
        """A new card payment method from one of Stripe's test numbers."""
        number = TEST_CARD_NUMBERS[kind]
        form = {
            "type": "card",
            "card[number]": number,
            "card[exp_month]": "12",
            "card[exp_year]": "2034",
            "card[cvc]": "123",
        }
        answer = self.http.post("/v1/payment_methods", data=form)
        answer.raise_for_status()
        return str(answer.json()["id"])


_server: LocalStripeServer | None = None


@pytest.fixture(name="localstripe_server", scope="session")
def localstripe_server_fixture() -> Iterator[LocalStripeServer]:
    """The process's one server: modules that import this fixture each get a definition of
    their own, but localstripe's app and store exist once per process."""
    global _server
    if _server is None:
        _server = LocalStripeServer()
        _server.start()
    yield _server
    if _server is not None:  # the first definition torn down at session end stops it
        _server.stop()
        _server = None


@pytest.fixture(name="localstripe")
def localstripe_fixture(localstripe_server: LocalStripeServer) -> LocalStripeServer:
    """The session's localstripe, emptied for this test."""
    localstripe_server.flush()
    return localstripe_server
