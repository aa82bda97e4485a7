"""The load generator: in-process asyncio, N keep-alive connections; and its maths."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import inspect
import itertools
import logging
import math
import os
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.perf.clients import Sender, TransportError, encode_call, open_senders
from tests.perf.servers import BackendCounter, BenchError, CpuProbe, cpu_seconds

_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
_ERROR_SAMPLES = 5


@dataclass(frozen=True, slots=True)
class LoadPlan:
    """How hard to push: connections, unrecorded warm-up, recorded requests, time bound.

    Closed loop by default (each connection sends again as soon as it is answered, so the
    server is saturated and latency ≈ connections / throughput); with `rate`, open loop:
    requests start on a fixed schedule, at most `concurrency` in flight.
    `from_env` reads KASSA_BENCH_CONCURRENCY, _WARMUP, _REQUESTS, _MAX_SECONDS, _CLIENT
    and _RATE.
    """

    concurrency: int = 32
    warmup: int = 300
    requests: int = 3_000
    max_seconds: float = 60.0
    client: str = "lean"  # or "httpx" (see tests/perf/clients.py for why not by default)
    rate: float | None = None  # requests/s, open loop; None: closed loop, as fast as answered

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> LoadPlan:
        environ = os.environ if environ is None else environ
        default = cls()

        def read(name: str, fallback: float) -> float:
            raw = environ.get(f"KASSA_BENCH_{name}", "").strip()
            return float(raw) if raw else fallback

        return cls(
            concurrency=int(read("CONCURRENCY", default.concurrency)),
            warmup=int(read("WARMUP", default.warmup)),
            requests=int(read("REQUESTS", default.requests)),
            max_seconds=read("MAX_SECONDS", default.max_seconds),
            client=environ.get("KASSA_BENCH_CLIENT", "").strip() or default.client,
            rate=read("RATE", 0.0) or None,
        )

    def describe(self) -> str:
        return (
            f"{self.concurrency} connections, {self.warmup} warm-up + {self.requests} "
            f"recorded requests per target (at most {self.max_seconds:g} s each), "
            f"{self.client} client, "
            + (f"open loop at {self.rate:g} req/s" if self.rate else "closed loop")
        )


@dataclass(frozen=True, slots=True)
class Call:
    """One request to send: `json` is encoded with msgspec; `content` is sent as is."""

    method: str
    path: str
    json: Any = None
    content: bytes | None = None
    headers: Mapping[str, str] | None = None


MakeCall = Callable[[int], Call]  # the request number (unique within a run) → the request


@dataclass(slots=True)
class LoadResult:
    """The recorded phase of one target. `req/s` counts 2xx answers only."""

    label: str
    latencies_ms: list[float]  # every request, failed ones included, sorted
    seconds: float
    statuses: Counter[int]  # status → count; 0 is "no answer" (connection error, timeout)
    error_samples: list[str] = field(default_factory=list)
    cpu_ms: dict[str, float] = field(default_factory=dict)  # name → CPU ms per request
    new_backends: int | None = None  # PostgreSQL sessions opened while recording
    churned_backends: int | None = None  # … and closed again before it ended

    @property
    def requests(self) -> int:
        return len(self.latencies_ms)

    @property
    def errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if not 200 <= status < 300)

    @property
    def throughput(self) -> float:
        ok = self.requests - self.errors
        return ok / self.seconds if self.seconds > 0 else 0.0

    def percentile(self, q: float) -> float:
        return percentile(self.latencies_ms, q)

    @property
    def p50(self) -> float:
        return self.percentile(50)

    @property
    def p90(self) -> float:
        return self.percentile(90)

    @property
    def p99(self) -> float:
        return self.percentile(99)


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (the smallest value with at least q % at or below it)."""
    if not sorted_values:
        return math.nan
    rank = max(math.ceil(q / 100 * len(sorted_values)), 1)
    return sorted_values[min(rank, len(sorted_values)) - 1]


async def run_load(
    base_url: str,
    make_call: MakeCall,
    plan: LoadPlan,
    *,
    label: str,
    first: int = 0,
    cpu: CpuProbe | None = None,
    database_url: str | None = None,
) -> LoadResult:
    """Warm up with `plan.warmup` requests (not recorded), then record `plan.requests`.

    `plan.concurrency` workers, one keep-alive connection each, each sending its next
    request as soon as the last one is answered; each phase also stops at
    `plan.max_seconds`. Requests are numbered from `first` (warm-up included), so
    `make_call` can make them unique across phases. The CPU time this process spends in
    the recorded phase is reported as `client`; with `cpu`, that of its processes too
    (steadier than req/s on a busy machine). With `database_url` (PostgreSQL), the new
    backends opened to it during the recorded phase are counted (`new_backends`), and
    those of them closed again before it ended (`churned_backends`); the CPU time of the
    backends open when it starts is reported as `postgres` (the server's pool is filled
    at start-up, so these are the ones that serve it).
    """
    url = httpx.URL(base_url)
    if url.host not in _LOOPBACK_HOSTS:
        raise BenchError(f"The benchmark only loads 127.0.0.1, not {url.host!r}.")
    async with contextlib.AsyncExitStack() as stack:
        senders = await stack.enter_async_context(
            open_senders(plan.client, url.host, url.port or 80, plan.concurrency)
        )
        backends = (
            await stack.enter_async_context(BackendCounter(database_url)) if database_url else None
        )
        stack.enter_context(_collector_paused())
        if plan.warmup > 0:
            await _phase(senders, make_call, first, plan.warmup, plan, label)
        sessions = await backends.sessions() if backends else (0, frozenset[int]())
        pids = {"client": [os.getpid()], **(await cpu() if cpu is not None else {})}
        if backends is not None:  # a backend opened later (a new one) is left out
            pids["postgres"] = await backends.backend_pids()
        before = {name: cpu_seconds(ids) for name, ids in pids.items()}
        result = await _phase(senders, make_call, first + plan.warmup, plan.requests, plan, label)
        after = {name: cpu_seconds(ids) for name, ids in pids.items()}
        if backends is not None:
            counted = backends.counted(sessions, await backends.sessions())
            result.new_backends, result.churned_backends = counted
    for name in pids:
        spent = sum(after[name].get(pid, 0.0) - was for pid, was in before[name].items())
        result.cpu_ms[name] = spent * 1000 / max(result.requests, 1)
    return result


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """This process's garbage collector off while it sends load, what it holds so far out
    of its sight. Its full collections walk a heap that holds the whole app (the bench
    builds tenants and links through Kassa's container): 80-86 ms each (measured), during
    which no request went out, and an open loop counted that pause as the server's
    latency: the keyed charge's p99 at half the bare rate, 88.8 ms, was one such pause
    (133 ms in its half second, 9 ms in a run without one). A phase is bounded (60 s): the
    cycles it leaves wait for the collector until it ends."""
    gc.freeze()
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


async def _phase(
    senders: Sequence[Sender], make_call: MakeCall, first: int, count: int, plan: LoadPlan,
    label: str,
) -> LoadResult:  # fmt: skip
    numbers = itertools.count(first)
    end = first + count
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    samples: list[str] = []
    started = time.perf_counter()
    deadline = started + plan.max_seconds

    async def worker(sender: Sender) -> None:
        while True:
            number = next(numbers)
            if number >= end or time.perf_counter() >= deadline:
                return
            call = make_call(number)
            headers, body = encode_call(call.json, call.content, call.headers)
            if plan.rate:
                # Open loop: request n is due at n/rate, and its latency counts from then,
                # so a server falling behind shows as queueing, not as fewer requests.
                sent = started + (number - first) / plan.rate
                await asyncio.sleep(sent - time.perf_counter())
            else:
                sent = time.perf_counter()
            try:
                answer = await sender.send(call.method, call.path, headers, body)
                status = answer.status
                shown = answer.body[:300].decode(errors="replace")
                failure = None if 200 <= status < 300 else f"{status}: {shown}"
            except TransportError as exc:
                status, failure = 0, str(exc)
            latencies.append((time.perf_counter() - sent) * 1000)
            statuses[status] += 1
            if failure is not None and len(samples) < _ERROR_SAMPLES:
                samples.append(failure)

    await asyncio.gather(*(worker(sender) for sender in senders))
    seconds = time.perf_counter() - started
    latencies.sort()
    return LoadResult(label, latencies, seconds, statuses, samples)


def run_main(main: Callable[[], Any]) -> None:
    """Run a part's `main`: a coroutine function on uvloop (less client CPU), else a call.
    httpx's per-request INFO lines are silenced."""
    for noisy in ("httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    if not inspect.iscoroutinefunction(main):
        main()
        return
    try:
        import uvloop
    except ImportError:  # uvicorn[standard] brings it; plain asyncio works too
        asyncio.run(main())
        return
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(main())
