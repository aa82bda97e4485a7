"""The payments part: `POST /api/v1/payments/charge` against a bare one-insert endpoint.

Targets (issue "Payments core"): with one worker and 32 connections, Kassa's charge
reaches at least 0.6 of the bare endpoint's throughput, with p99 under 50 ms. A miss is
printed, not raised.
"""

from __future__ import annotations

from entrypoints.container import build_container
from entrypoints.http.app import create_app
from tests.perf.bare_app import create_bare_app, create_bare_table
from tests.perf.harness import (
    Call,
    CpuProbe,
    LoadPlan,
    LoadResult,
    MakeCall,
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
MIN_THROUGHPUT_RATIO = 0.6
MAX_P99_MS = 50.0
CHARGE_PATH = "/api/v1/payments/charge"
BARE = "bare ORM insert"
KEYED = "kassa charge, Idempotency-Key"
PLAIN = "kassa charge, no key"


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
    print(f"{plan.describe()}; one uvicorn worker each, PostgreSQL, fake gateway")
    print(f"at start: {load_average()}")
    async with postgres_database() as url:
        await create_bare_table(url)
        async with uvicorn_server(
            "tests.perf.bare_app:create_bare_app", name="bare", env={"KASSA_DATABASE_URL": url}
        ) as bare:
            bare_result = await _load(
                bare.base_url, bare_charge("bare"), plan, BARE, cpu_probe(bare), url
            )
        setup = await prepare_kassa(url)
        async with kassa_server(setup) as kassa:
            cpu = cpu_probe(kassa)
            keyed = await _load(
                kassa.base_url, kassa_charge(setup, "key", idempotent=True), plan, KEYED, cpu, url
            )
            plain = await _load(
                kassa.base_url,
                kassa_charge(setup, "nokey", idempotent=False),
                plan,
                PLAIN,
                cpu,
                url,
            )
        print(f"at end: {load_average()}")
    # A database of its own: the fake gateway numbers its intents per process, so a second
    # process on the server's database would reuse the server's gateway ids.
    async with postgres_database() as url:
        await create_bare_table(url)
        trips = await _round_trips(url, await prepare_kassa(url))

    print()
    print(format_table([bare_result, keyed, plain]))
    print()
    print(f"Targets (Kassa/bare throughput ≥ {MIN_THROUGHPUT_RATIO}, p99 < {MAX_P99_MS:g} ms):")
    for result in (keyed, plain):
        print("  " + _judge(result, bare_result, open_loop=plan.rate is not None))
    print()
    print("PostgreSQL round trips per request (in process, sequential, statement cache warm):")
    for trip in trips:
        print("  " + trip.describe())


async def _load(
    base_url: str, make_call: MakeCall, plan: LoadPlan, label: str, cpu: CpuProbe, url: str
) -> LoadResult:
    result = await run_load(base_url, make_call, plan, label=label, cpu=cpu, database_url=url)
    print(
        f"  {label}: {result.requests} requests in {result.seconds:.1f} s, "
        f"{result.errors} errors ({load_average()})"
    )
    return result


def _judge(result: LoadResult, baseline: LoadResult, *, open_loop: bool) -> str:
    """The verdicts, and the ratio the server's CPU time per request predicts when the
    one worker is the bottleneck: steadier than req/s on a shared machine. In open loop
    both targets run at the given rate, so only latency is judged."""
    ratio = result.throughput / baseline.throughput if baseline.throughput else 0.0
    cpu, bare_cpu = result.cpu_ms.get("server"), baseline.cpu_ms.get("server")
    by_cpu = f"   (by server CPU/req: ×{bare_cpu / cpu:.2f})" if cpu and bare_cpu else ""
    throughput = (
        "throughput n/a (open loop)"
        if open_loop
        else f"throughput ×{ratio:.2f} {verdict(ratio >= MIN_THROUGHPUT_RATIO)}"
    )
    return (
        f"{result.label:<30} {throughput}"
        f"   p99 {result.p99:.1f} ms {verdict(result.p99 < MAX_P99_MS)}"
        f"   errors {result.errors} {verdict(result.errors == 0)}{by_cpu}"
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
