"""`make bench`: run the benchmark parts one after another and print their figures.

`python -m tests.perf.bench [payments|webhooks|portal|events ...]` (default: all). Each part is
a module with `main()` (sync or async); one not written yet is named and skipped. A
missed target is printed by its part; the exit code is non-zero only if a part broke.
KASSA_BENCH_REQUESTS, _WARMUP, _CONCURRENCY, _MAX_SECONDS, _CLIENT (lean|httpx) and
_RATE (open loop, req/s) change the load (tests/perf/load.py, LoadPlan).
"""

from __future__ import annotations

import importlib
import sys
import time
import traceback
from collections.abc import Sequence

from tests.perf.harness import BenchError, load_average, run_main
from tests.perf.report import machine_speed, stolen_share

PARTS = {
    "payments": "tests.perf.payments_bench",
    "webhooks": "tests.perf.webhook_bench",
    "portal": "tests.perf.portal_bench",
    "events": "tests.perf.events_bench",
}


def run_part(name: str, module_name: str) -> bool:
    """Run one part; False if it broke."""
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
        print(f"== {name}: {module_name} is not there yet, skipped ==\n")
        return True
    started = time.monotonic()
    try:
        run_main(module.main)
    except BenchError as exc:
        print(f"!! {name} broke: {exc}", file=sys.stderr)
        return False
    except Exception:
        print(f"!! {name} broke:", file=sys.stderr)
        traceback.print_exc()
        return False
    print(f"== {name}: done in {time.monotonic() - started:.0f} s ==\n")
    return True


def main(argv: Sequence[str] | None = None) -> int:
    chosen = list(argv if argv is not None else sys.argv[1:]) or list(PARTS)
    unknown = [name for name in chosen if name not in PARTS]
    if unknown:
        print(f"Unknown part(s): {', '.join(unknown)}; choose from {', '.join(PARTS)}.")
        return 2
    print(f"Kassa benchmark ({load_average()}; {machine_speed()})\n")
    started = stolen_share()
    broken = [name for name in chosen if not run_part(name, PARTS[name])]
    steal, total = stolen_share(started)
    print(f"CPU time stolen by the hypervisor during the run: {100 * steal / max(total, 1):.1f} %")
    if broken:
        print(f"The run broke in: {', '.join(broken)}.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
