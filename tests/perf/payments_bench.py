"""The payments part: `POST /api/v1/payments/charge` against a bare one-insert endpoint.

Targets (issue 13), one worker, 32 connections, closed loop: the charge with an
Idempotency-Key reaches ×0.6 of the bare endpoint's throughput, without one ×0.75 (each
the median of KASSA_BENCH_ROUNDS rounds, 3 by default, each round's charges judged against
the bare runs before and after it: this machine's speed drifts by a third within minutes); open
loop at half the bare endpoint's saturated rate, each has p99 under 50 ms. Beside them:
server and PostgreSQL CPU per request, round trips per request, new PostgreSQL backends
while recording (0: the pool does not churn), each charge open loop at half its own
closed-loop rate (its latency below saturation: not a target), and the keyed charge again
with two workers; and each charge's server CPU ratio without the fake gateway's time in the
server (from its /metrics: the other side's work, which the issue counts apart). A miss is
printed, not raised.
"""

from __future__ import annotations

import dataclasses
import itertools
import os
import statistics

import httpx

from entrypoints.container import build_container
from entrypoints.http.app import create_app
from tests.perf.bare_app import create_bare_app, create_bare_table
from tests.perf.harness import (
    Call,
    CpuProbe,
    LoadPlan,
    LoadResult,
    MakeCall,
    churn_line,
    cpu_probe,
    format_table,
    load_average,
    postgres_database,
    run_load,
    uvicorn_server,
    verdict,
)
from tests.perf.kassa import KassaSetup, kassa_server, prepare_kassa
from tests.perf.round_trips import RoundTrips, count_round_trips

VISA = "pm_card_visa"
MAX_P99_MS = 50.0  # open loop, at half the bare endpoint's saturated rate
OPEN_LOOP_SECONDS = 10
CHARGE_PATH = "/api/v1/payments/charge"
BARE = "bare ORM insert"
KEYED = "kassa charge, Idempotency-Key"
PLAIN = "kassa charge, no key"
MIN_THROUGHPUT_RATIO = {KEYED: 0.6, PLAIN: 0.75}
ROUNDS = int(os.environ.get("KASSA_BENCH_ROUNDS", "") or 3)  # closed-loop rounds of each path


def charge_body(order_id: str) -> dict[str, object]:
    return {"order_id": order_id, "amount": 1000, "currency": "usd", "payment_method": VISA}


def bare_charge(tag: str) -> MakeCall:
    def make(number: int) -> Call:
        return Call("POST", "/charges", json=charge_body(f"ord_{tag}_{number}"))

    return make


def kassa_charge(setup: KassaSetup, tag: str, *, idempotent: bool) -> MakeCall:
    """A new order each time; under a new Idempotency-Key each time if `idempotent`."""
    auth = setup.auth()

    def make(number: int) -> Call:
        headers = auth | {"Idempotency-Key": f"idem_{tag}_{number}"} if idempotent else auth
        return Call("POST", CHARGE_PATH, json=charge_body(f"ord_{tag}_{number}"), headers=headers)

    return make


async def main() -> None:
    plan = LoadPlan.from_env()
    print("== Payments: POST /api/v1/payments/charge against a bare ORM insert ==")
    print(f"{plan.describe()}; one uvicorn worker each, PostgreSQL, fake gateway in memory")
    print(f"at start: {load_average()}")
    async with postgres_database() as url:
        await create_bare_table(url)
        setup = await prepare_kassa(url)
        bares = [await _bare(url, plan, f"{BARE}, first")]
        half = _open_loop(plan, bares[0].throughput / 2)
        closed: dict[str, list[LoadResult]] = {KEYED: [], PLAIN: []}
        fake_ms: dict[str, list[float]] = {KEYED: [], PLAIN: []}  # the fake gateway's time
        opened: list[LoadResult] = []
        own: list[LoadResult] = []  # open loop at half the path's own closed-loop rate
        # The machine's speed drifts within minutes here (+32 % between two bare runs a
        # minute apart): the charges run in ROUNDS rounds, each between two bare runs and
        # judged against their mean, and a charge's verdict is the median of its rounds.
        for number in range(1, ROUNDS + 1):
            # A server of its own per path: what an open-loop overload leaves behind must
            # not be counted against the next path (on one shared server the second path
            # measured slower).
            for label, keyed in ((KEYED, True), (PLAIN, False)):
                async with kassa_server(setup) as kassa:
                    cpu = cpu_probe(kassa)
                    named = f"{label}, round {number}"
                    charges = _charges(setup, named, keyed)
                    in_gateway = await _gateway_seconds(kassa.base_url)
                    closed[label].append(
                        await _load(kassa.base_url, charges, plan, named, cpu, url)
                    )
                    in_gateway = await _gateway_seconds(kassa.base_url) - in_gateway
                    fake_ms[label].append(in_gateway * 1000 / (plan.warmup + plan.requests))
                    if number == 1:  # the latency runs once, after the first closed loop:
                        # at half its own rate before the overload, whose backlog outlives it
                        calm = _open_loop(plan, closed[label][-1].throughput / 2)
                        named = f"{label}, open loop {calm.rate:.0f}/s (half its own)"
                        charges = _charges(setup, f"{label} h", keyed)
                        own.append(await _load(kassa.base_url, charges, calm, named, cpu, url))
                        named = f"{label}, open loop {half.rate:.0f}/s"
                        charges = _charges(setup, f"{label} o", keyed)
                        opened.append(await _load(kassa.base_url, charges, half, named, cpu, url))
            bares.append(await _bare(url, plan, f"{BARE}, after round {number}"))
        baselines = [Baseline.mean_of(*pair) for pair in itertools.pairwise(bares)]
        async with kassa_server(setup, workers=2) as kassa:
            charges = _charges(setup, "two workers", True)
            named = f"{KEYED}, 2 workers"
            two = await _load(kassa.base_url, charges, plan, named, cpu_probe(kassa), url)
        print(f"at end: {load_average()}")
    # A database of its own: the fake gateway numbers its intents per process, so a second
    # process on the server's database would reuse the server's gateway ids.
    async with postgres_database() as url:
        await create_bare_table(url)
        trips = await _round_trips(url, await prepare_kassa(url))

    everything = [*bares, *closed[KEYED], *closed[PLAIN], *opened, *own, two]
    print()
    print(format_table(everything))
    print()
    print(
        f"Bare: {', '.join(f'{b.throughput:.0f}' for b in bares)} req/s, before and after each "
        "round; each round's charges are judged against the mean of its two."
    )
    print(
        "Targets (closed loop: Kassa/bare throughput, the median of the rounds; open loop at "
        f"half the first bare rate: p99 < {MAX_P99_MS:g} ms):"
    )
    for label, open_result in zip((KEYED, PLAIN), opened, strict=True):
        print("  " + _judge(label, closed[label], baselines, open_result, fake_ms[label]))
    for result in own:  # not a target: the latency of the path below its saturation
        print(f"  {result.label}: p50 {result.p50:.1f} ms, p99 {result.p99:.1f} ms")
    one = closed[KEYED][-1]  # the nearest in time
    print(
        f"  2 workers vs 1 (keyed): {two.throughput:.0f} vs {one.throughput:.0f} req/s "
        f"(×{two.throughput / one.throughput if one.throughput else 0:.2f}), server CPU/req "
        f"{two.cpu_ms.get('server', 0):.2f} vs {one.cpu_ms.get('server', 0):.2f} ms"
    )
    print(churn_line(everything))
    print()
    print("PostgreSQL round trips per request (in process, sequential, statement cache warm):")
    for trip in trips:
        print("  " + trip.describe())


async def _bare(url: str, plan: LoadPlan, label: str) -> LoadResult:
    """The bare endpoint, closed loop, on a server of its own."""
    async with uvicorn_server(
        "tests.perf.bare_app:create_bare_app", name="bare", env={"KASSA_DATABASE_URL": url}
    ) as bare:
        return await _load(bare.base_url, bare_charge(label), plan, label, cpu_probe(bare), url)


@dataclasses.dataclass(frozen=True, slots=True)
class Baseline:
    """What a charge is judged against: the bare endpoint's mean of two runs."""

    throughput: float
    server_cpu_ms: float | None

    @classmethod
    def mean_of(cls, first: LoadResult, second: LoadResult) -> Baseline:
        cpus = [r.cpu_ms["server"] for r in (first, second) if "server" in r.cpu_ms]
        return cls(
            throughput=(first.throughput + second.throughput) / 2,
            server_cpu_ms=sum(cpus) / len(cpus) if cpus else None,
        )


def _open_loop(plan: LoadPlan, rate: float) -> LoadPlan:
    """`plan` at `rate` requests/s, open loop, for OPEN_LOOP_SECONDS."""
    return dataclasses.replace(
        plan,
        rate=max(rate, 1.0),
        requests=max(int(rate * OPEN_LOOP_SECONDS), 50),
        warmup=min(plan.warmup, 100),
    )


def _charges(setup: KassaSetup, label: str, keyed: bool) -> MakeCall:
    return kassa_charge(setup, label.replace(" ", "_").replace(",", ""), idempotent=keyed)


async def _load(
    base_url: str, make_call: MakeCall, plan: LoadPlan, label: str, cpu: CpuProbe, url: str
) -> LoadResult:
    result = await run_load(base_url, make_call, plan, label=label, cpu=cpu, database_url=url)
    print(
        f"  {label}: {result.requests} requests in {result.seconds:.1f} s, "
        f"{result.errors} errors ({load_average()})"
    )
    return result


def _judge(
    label: str,
    results: list[LoadResult],
    baselines: list[Baseline],
    open_result: LoadResult,
    fake_ms: list[float],
) -> str:
    """The verdicts, each round's ratio and their median; and the ratio the server's CPU
    time per request predicts when the one worker is the bottleneck (steadier than req/s
    on a shared machine), also with the fake gateway's time apart (the other side's work,
    in the server's process here: the issue counts it apart from Kassa's)."""
    target = MIN_THROUGHPUT_RATIO[label]
    rounds = list(zip(results, baselines, fake_ms, strict=True))
    ratios = [r.throughput / b.throughput for r, b, _ in rounds if b.throughput]
    ratio = statistics.median(ratios) if ratios else 0.0
    by_cpu = ""
    known = [
        (bare, mine, fake)
        for r, b, fake in rounds
        if (bare := b.server_cpu_ms) and (mine := r.cpu_ms.get("server"))
    ]
    if known and len(known) == len(rounds):
        cpu = statistics.median(bare / mine for bare, mine, _ in known)
        apart = statistics.median(bare / (mine - fake) for bare, mine, fake in known)
        by_cpu = (
            f"   (by server CPU/req: ×{cpu:.2f}; without the fake gateway's "
            f"{statistics.median(fake_ms):.2f} ms: ×{apart:.2f})"
        )
    errors = sum(r.errors for r in results) + open_result.errors
    each = ", ".join(f"×{r:.2f}" for r in ratios)
    return (
        f"{label:<30} throughput ×{ratio:.2f} (rounds {each}) ≥ ×{target:g} "
        f"{verdict(ratio >= target)}"
        f"   open-loop p99 {open_result.p99:.1f} ms {verdict(open_result.p99 < MAX_P99_MS)}"
        f"   errors {errors} {verdict(errors == 0)}{by_cpu}"
    )


async def _gateway_seconds(base_url: str) -> float:
    """The server's time in gateway calls so far, from its /metrics: with the fake gateway
    in memory, its own work (no wait inside a call)."""
    async with httpx.AsyncClient(base_url=base_url, trust_env=False, timeout=30) as client:
        answer = await client.get("/metrics")
    answer.raise_for_status()
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in answer.text.splitlines()
        if line.startswith("kassa_gateway_call_seconds_sum")
    )


async def _round_trips(url: str, setup: KassaSetup) -> list[RoundTrips]:
    bare_app = create_bare_app(url)
    bare = await count_round_trips(bare_app, bare_app.state.engine, {BARE: bare_charge("rt")})
    container = build_container(setup.settings)
    kassa = await count_round_trips(
        create_app(container),
        container.engine(),
        {
            KEYED: kassa_charge(setup, "rt_key", idempotent=True),
            PLAIN: kassa_charge(setup, "rt_nokey", idempotent=False),
        },
    )
    return bare + kassa
