"""Printing a part's figures: the table, PASS/MISS, and how busy the machine was."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence

from tests.perf.load import LoadResult


def format_table(results: Sequence[LoadResult]) -> str:
    """target, requests, req/s (2xx), p50/p90/p99 ms, errors, CPU ms per request of each
    probed process group, new PostgreSQL backends while recording (where counted); then
    the statuses and samples of any errors."""
    width = max([len("target"), *(len(r.label) for r in results)])
    cpu_names = list(dict.fromkeys(name for r in results for name in r.cpu_ms))
    header = (
        f"{'target':<{width}}  {'requests':>8}  {'req/s':>8}  {'p50 ms':>8}  "
        f"{'p90 ms':>8}  {'p99 ms':>8}  {'errors':>6}"
        + "".join(f"  {name + ' CPU ms/req':>{len(name) + 11}}" for name in cpu_names)
        + f"  {'new backends (closed again)':>27}"
    )
    lines = [header, "-" * len(header)]
    for r in results:
        lines.append(
            f"{r.label:<{width}}  {r.requests:>8}  {r.throughput:>8.1f}  {r.p50:>8.1f}  "
            f"{r.p90:>8.1f}  {r.p99:>8.1f}  {r.errors:>6}"
            + "".join(
                f"  {r.cpu_ms[name]:>{len(name) + 11}.2f}"
                if name in r.cpu_ms
                else f"  {'-':>{len(name) + 11}}"
                for name in cpu_names
            )
            + f"  {_backends(r):>27}"
        )
    for r in results:
        if r.errors:
            shown = ", ".join(f"{s or 'no answer'}×{n}" for s, n in sorted(r.statuses.items()))
            lines.append(f"  {r.label}: statuses {shown}")
            lines.extend(f"    {sample}" for sample in r.error_samples)
    return "\n".join(lines)


def verdict(met: bool) -> str:
    return "PASS" if met else "MISS"


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} on {os.cpu_count()} CPUs"


def machine_speed() -> str:
    """How fast this machine runs plain Python right now: a rough yardstick to set beside
    figures from other runs, not a calibration (the bare endpoint did 1,790 req/s in a
    run where this took 0.53 s, and 509-677 req/s in runs where it took 0.56-1.3 s: the
    machine's speed under load varies more than this loop shows). Compare ratios."""
    started = time.process_time()
    total = 0
    for number in range(10_000_000):
        total += number
    return f"a pure-Python loop of 10 M additions took {time.process_time() - started:.2f} s"


def stolen_share(since: tuple[int, int] | None = None) -> tuple[int, int]:
    """(steal, total) CPU ticks from /proc/stat, minus `since`: the share of time the
    hypervisor gave the machine's CPUs to someone else (figures drop with it)."""
    with open("/proc/stat", encoding="ascii") as stat:
        ticks = [int(n) for n in stat.readline().split()[1:]]
    now = (ticks[7] if len(ticks) > 7 else 0, sum(ticks))
    return now if since is None else (now[0] - since[0], now[1] - since[1])


def _backends(result: LoadResult) -> str:
    """New PostgreSQL backends while recording, and of them those closed again (churn)."""
    if result.new_backends is None:
        return "-"
    return f"{result.new_backends} ({result.churned_backends})"


def churn_line(results: Sequence[LoadResult]) -> str:
    """The pool's verdict: backends opened and closed again while recording (0: no churn;
    a backend opened and kept is the pool growing to its size)."""
    churned = sum(r.churned_backends or 0 for r in results)
    where = ", ".join(f"{r.label}: {r.churned_backends}" for r in results if r.churned_backends)
    return (
        f"  PostgreSQL backends opened and closed again while recording: {churned} "
        + verdict(churned == 0)
        + (f" ({where})" if where else "")
    )
