"""The payments part: `POST /api/v1/payments/charge` against a bare one-insert endpoint.

Targets (issue 13), one worker, 32 connections, closed loop: the charge with an
Idempotency-Key reaches ×0.6 of the bare endpoint's throughput, without one ×0.75; open
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
        bare_before = await _bare(url, plan, BARE)
        half = _open_loop(plan, bare_before.throughput / 2)
        setup = await prepare_kassa(url)
        closed: list[LoadResult] = []
        opened: list[LoadResult] = []
        own: list[LoadResult] = []  # open loop at half the path's own closed-loop rate
        fake_ms: dict[str, float] = {}  # the fake gateway's time a charge, in the server
        # A server of its own per path: what an open-loop overload leaves behind must not be
        # counted against the next path (on one shared server the second path measured slower).
        for label, keyed in ((KEYED, True), (PLAIN, False)):
            async with kassa_server(setup) as kassa:
                cpu = cpu_probe(kassa)
                charges = _charges(setup, label, keyed)
                in_gateway = await _gateway_seconds(kassa.base_url)
                closed.append(await _load(kassa.base_url, charges, plan, label, cpu, url))
                in_gateway = await _gateway_seconds(kassa.base_url) - in_gateway
                fake_ms[label] = in_gateway * 1000 / (plan.warmup + plan.requests)
                calm = _open_loop(plan, closed[-1].throughput / 2)  # before the overload,
                charges = _charges(setup, f"{label} h", keyed)  # whose backlog outlives it
                named = f"{label}, open loop {calm.rate:.0f}/s (half its own)"
                own.append(await _load(kassa.base_url, charges, calm, named, cpu, url))
                charges = _charges(setup, f"{label} o", keyed)
                named = f"{label}, open loop {half.rate:.0f}/s"
                opened.append(await _load(kassa.base_url, charges, half, named, cpu, url))
        # The machine's speed drifts within minutes here: bare again, after the charges'
        # closed loops, and each charge judged against the mean of the two.
        bare_after = await _bare(url, plan, f"{BARE}, again")
        baseline = Baseline.mean_of(bare_before, bare_after)
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

    print()
    print(format_table([bare_before, bare_after, *closed, *opened, *own, two]))
    print()
    drift = bare_after.throughput / bare_before.throughput - 1 if bare_before.throughput else 0
    print(
        f"Bare: {bare_before.throughput:.0f} then {bare_after.throughput:.0f} req/s "
        f"({drift:+.0%} while the charges ran); the ratios are to their mean, "
        f"{baseline.throughput:.0f} req/s, {baseline.server_cpu_ms or 0:.2f} ms "
        "server CPU a request."
    )
    print(
        "Targets (closed loop: Kassa/bare throughput; open loop at half the first bare "
        f"rate: p99 < {MAX_P99_MS:g} ms):"
    )
    for result, open_result in zip(closed, opened, strict=True):
        print("  " + _judge(result, baseline, open_result, fake_ms[result.label]))
    for result in own:  # not a target: the latency of the path below its saturation
        print(f"  {result.label}: p50 {result.p50:.1f} ms, p99 {result.p99:.1f} ms")
    one = closed[0]
    print(
        f"  2 workers vs 1 (keyed): {two.throughput:.0f} vs {one.throughput:.0f} req/s "
        f"(×{two.throughput / one.throughput if one.throughput else 0:.2f}), server CPU/req "
        f"{two.cpu_ms.get('server', 0):.2f} vs {one.cpu_ms.get('server', 0):.2f} ms"
    )
    print(churn_line([bare_before, bare_after, *closed, *opened, *own, two]))
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


def _judge(result: LoadResult, baseline: Baseline, open_result: LoadResult, fake_ms: float) -> str:
    """The verdicts, and the ratio the server's CPU time per request predicts when the
    one worker is the bottleneck: steadier than req/s on a shared machine; and that ratio
    again with the fake gateway's time apart (the other side's work, in the server's
    process here: the issue counts it apart from Kassa's)."""
    target = MIN_THROUGHPUT_RATIO[result.label]
    ratio = result.throughput / baseline.throughput if baseline.throughput else 0.0
    cpu, bare_cpu = result.cpu_ms.get("server"), baseline.server_cpu_ms
    by_cpu = ""
    if cpu and bare_cpu:
        by_cpu = (
            f"   (by server CPU/req: ×{bare_cpu / cpu:.2f}; without the fake gateway's "
            f"{fake_ms:.2f} ms: ×{bare_cpu / (cpu - fake_ms):.2f})"
        )
    return (
        f"{result.label:<30} throughput ×{ratio:.2f} ≥ ×{target:g} {verdict(ratio >= target)}"
        f"   open-loop p99 {open_result.p99:.1f} ms {verdict(open_result.p99 < MAX_P99_MS)}"
        f"   errors {result.errors + open_result.errors} "
        f"{verdict(result.errors + open_result.errors == 0)}{by_cpu}"
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
