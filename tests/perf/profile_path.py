"""CPU per request of one path, in process: no load, no network, no other connection.

The app is built as the benchmark builds it (Kassa: `prepare_kassa` and its settings;
the bare endpoint: `create_bare_app`), on a fresh PostgreSQL database, its lifespan run,
and called directly as an ASGI app with the scope uvicorn would give it, one request after
another. Requests are built (and signed) before the clock starts, so only the app's work
and the driver's (asyncpg, the event loop) are counted: `time.process_time` over N
requests (the least of R runs is the nearest to the cost on a shared machine), then N
more under cProfile, timed by CPU, for a top list.
`python -m tests.perf.profile_path [receipt|bare|keyed|plain|portal ...] [--requests N]
[--repeat R] [--top K] [--dump PREFIX]`; `--ratios` runs bare, keyed and plain in turns
instead and prints each charge's CPU ratio to bare, round by round. On uvloop, as uvicorn
runs the server.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import io
import pstats
import statistics
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

import msgspec
import uvloop

from entrypoints.container import build_container
from entrypoints.http.app import create_app
from tests.perf.bare_app import create_bare_app, create_bare_table
from tests.perf.clients import encode_call
from tests.perf.harness import MakeCall, load_average, postgres_database
from tests.perf.kassa import in_process, prepare_kassa
from tests.perf.payments_bench import kassa_charge
from tests.perf.portal_bench import BENCH_VIEW_RATE_LIMIT, WARM_LINKS, issue_links, view
from tests.perf.webhook_bench import bare_charge, signed_event

ASGIApp = Callable[..., Any]
Request = tuple[str, str, bytes, list[tuple[bytes, bytes]]]  # method, path, body, headers
WARMUP = 200


def requests(make_call: Callable[[str], MakeCall], tag: str, count: int) -> list[Request]:
    """`count` requests as the benchmark sends them (`make_call(tag)`), ready to send."""
    make, found = make_call(tag), []
    for number in range(count):
        call = make(number)
        headers, body = encode_call(call.json, call.content, call.headers)
        encoded = [(name.lower().encode(), value.encode()) for name, value in headers.items()]
        found.append((call.method, call.path, body or b"", encoded))
    return found


async def call(app: ASGIApp, request: Request) -> int:
    """One request through `app` as uvicorn would pass it; the answer's status."""
    method, path, body, extra = request
    headers = [
        (b"host", b"127.0.0.1:8000"),
        (b"accept", b"*/*"),
        (b"content-length", str(len(body)).encode()),
        *extra,
    ]
    scope = {
        "type": "http", "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1", "server": ("127.0.0.1", 8000), "client": ("127.0.0.1", 50000),
        "scheme": "http", "method": method, "root_path": "", "path": path,
        "raw_path": path.encode(), "query_string": b"", "headers": headers, "state": {},
    }  # fmt: skip
    sent = False
    status = 0

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.Event().wait()  # never disconnects
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


@asynccontextmanager
async def lifespan(app: ASGIApp) -> AsyncIterator[None]:
    """The app's start-up before the block, its shutdown after, as uvicorn runs them."""
    inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
    task = asyncio.create_task(app(scope, inbox.get, outbox.put))
    await inbox.put({"type": "lifespan.startup"})
    started = await outbox.get()
    if started["type"] != "lifespan.startup.complete":
        raise RuntimeError(f"start-up failed: {started}")
    try:
        yield
    finally:
        await inbox.put({"type": "lifespan.shutdown"})
        await outbox.get()
        await task


async def measure(
    label: str,
    app: ASGIApp,
    make_call: Callable[[str], MakeCall],
    options: argparse.Namespace,
) -> None:
    count = options.requests
    async with lifespan(app):
        for request in requests(make_call, "warm", WARMUP):
            assert await call(app, request) < 300
        runs = []
        for run in range(options.repeat):
            timed = requests(make_call, f"timed{run}", count)
            started, cpu = time.perf_counter(), time.process_time()
            statuses = [await call(app, request) for request in timed]
            cpu = time.process_time() - cpu
            wall = time.perf_counter() - started
            failed = sum(status >= 300 for status in statuses)
            runs.append(cpu * 1000 / count)
            print(
                f"{label}: {runs[-1]:.3f} ms CPU/request, {wall * 1000 / count:.3f} ms wall, "
                f"{count} requests, {failed} failed ({load_average()})"
            )
        if len(runs) > 1:  # on a shared machine the least is the nearest to the cost
            print(f"{label}: least {min(runs):.3f}, median {statistics.median(runs):.3f} ms")
        if not (options.top or options.dump):
            return
        profiler = cProfile.Profile(time.process_time)  # CPU, not time spent waiting
        profiled = requests(make_call, "profiled", count)
        profiler.enable()
        for request in profiled:
            await call(app, request)
        profiler.disable()
    if options.dump:
        profiler.dump_stats(f"{options.dump}.{label}.prof")
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(options.top)
    stats.sort_stats("cumulative").print_stats(options.top)
    print(out.getvalue())


Path = tuple[ASGIApp, Callable[[str], MakeCall]]  # the app, and its requests by tag


async def path_on(name: str, url: str) -> Path:
    """Path `name` (of PATHS) built on the fresh database at `url` as the benchmark builds
    it: Kassa with the fake gateway's books in memory, or the bare endpoint."""
    if name == "bare":
        await create_bare_table(url)
        return create_bare_app(url), lambda _: bare_charge
    setup = await prepare_kassa(url)
    if name == "receipt":
        return create_app(build_container(setup.settings)), signed_event
    if name == "portal":  # a warm link's invoice, the view budget raised as the bench does
        links = await issue_links(setup, WARM_LINKS)
        settings = msgspec.structs.replace(
            in_process(setup).settings, portal_view_rate_limit=BENCH_VIEW_RATE_LIMIT
        )
        return create_app(build_container(settings)), lambda _: view(links)
    keyed = name == "keyed"
    return (
        create_app(build_container(in_process(setup).settings)),
        lambda tag: kassa_charge(setup, tag, idempotent=keyed),
    )


PATHS = {
    "receipt": "receipt",
    "bare": "bare",
    "keyed": "keyed charge",
    "plain": "plain charge",
    "portal": "portal warm view",
}


async def profiled(name: str, options: argparse.Namespace) -> None:
    async with postgres_database() as url:
        app, make_call = await path_on(name, url)
        await measure(PATHS[name], app, make_call, options)


async def ratios(options: argparse.Namespace) -> None:
    """Bare, keyed and plain in turns of `--requests`, `--repeat` rounds: each round's
    charges against the bare endpoint of the same round, so the machine's drift (+27 %
    within two minutes here) falls out of the ratio. Prints each charge's median ratio,
    bare CPU / charge CPU, as the bench's "by server CPU" column does."""
    async with contextlib.AsyncExitStack() as running:
        paths: dict[str, Path] = {}
        for name in ("bare", "keyed", "plain"):  # each on a database of its own
            url = await running.enter_async_context(postgres_database())
            paths[PATHS[name]] = await path_on(name, url)
        for app, _ in paths.values():
            await running.enter_async_context(lifespan(app))
        for label, (app, make_call) in paths.items():
            for request in requests(make_call, f"warm {label}", WARMUP):
                assert await call(app, request) < 300
        cpu: dict[str, list[float]] = {label: [] for label in paths}
        for run in range(options.repeat):
            for label, (app, make_call) in paths.items():
                timed = requests(make_call, f"r{run} {label}", options.requests)
                started = time.process_time()
                for request in timed:
                    assert await call(app, request) < 300
                cpu[label].append((time.process_time() - started) * 1000 / options.requests)
    for label in ("keyed charge", "plain charge"):
        each = [bare / mine for bare, mine in zip(cpu["bare"], cpu[label], strict=True)]
        print(
            f"{label}: ×{statistics.median(each):.2f} of bare by CPU (rounds "
            f"{', '.join(f'×{r:.2f}' for r in each)}); median {statistics.median(cpu[label]):.3f}"
            f" ms against {statistics.median(cpu['bare']):.3f} ms ({load_average()})"
        )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("targets", nargs="*", help=f"of {', '.join(PATHS)} (default: all)")
    parser.add_argument("--requests", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=1, help="timed runs of N (default 1)")
    parser.add_argument("--top", type=int, default=30, help="functions listed; 0: no profile")
    parser.add_argument("--dump", help="also save the profiles as DUMP.<target>.prof")
    parser.add_argument(
        "--ratios", action="store_true", help="bare, keyed and plain in turns: CPU ratios"
    )
    args = parser.parse_args(argv)
    if args.ratios:
        uvloop.run(ratios(args))
        return
    if unknown := set(args.targets) - set(PATHS):
        parser.error(f"unknown target(s): {', '.join(sorted(unknown))}")
    for name in args.targets or PATHS:
        uvloop.run(profiled(name, args))


if __name__ == "__main__":
    main()
