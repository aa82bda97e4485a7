"""Instructions per request of one path, in process, counted by valgrind: a figure that
does not move with the machine's load.

On this machine CPU time per request drifts by ±25 % within minutes (hypervisor, the
other core's work), so a change of 5 % cannot be seen in it. Callgrind counts the
instructions the server process executes instead: the same code gives the same count
within about 1 %, whatever else runs. It does not count the kernel's work (the socket
calls), nor cache misses, so it ranks changes to Kassa's own code, not the throughput.

Each path runs in its own `python -m tests.perf.instructions --child` under callgrind
with instrumentation off, so start-up, migrations and the warm-up cost nothing; when the
child is ready, this process switches instrumentation on (`callgrind_control`), lets the
child send its N requests (as `profile_path` sends them: built and signed beforehand),
dumps the counts and reads their total. Paths run two at a time (valgrind uses one core).
`python -m tests.perf.instructions [bare|keyed|plain|receipt|portal ...] [--requests N]`;
needs `valgrind` (Debian's package).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import uvloop

from tests.perf.harness import postgres_database
from tests.perf.profile_path import PATHS, WARMUP, call, lifespan, path_on, requests

EXIT_TIMEOUT_S = 60.0  # for the child to exit once told


async def child(name: str, count: int) -> None:
    """The instrumented side: warm up, say `ready`, wait for a line on stdin, send `count`
    requests, say `done`, wait for a line again (the counts are dumped meanwhile)."""
    async with postgres_database() as url:
        app, make_call = await path_on(name, url)
        async with lifespan(app):
            for request in requests(make_call, "warm", WARMUP):
                assert await call(app, request) < 300
            timed = requests(make_call, "counted", count)
            print("ready", flush=True)
            await asyncio.to_thread(sys.stdin.readline)
            for request in timed:
                assert await call(app, request) < 300
            print("done", flush=True)
            await asyncio.to_thread(sys.stdin.readline)


def _expect(process: subprocess.Popen[str], word: str, log: Path) -> None:
    assert process.stdout is not None
    for line in process.stdout:
        if line.strip() == word:
            return
    tail = log.read_text(errors="replace")[-2_000:]
    raise RuntimeError(f"the child stopped before saying {word}:\n{tail}")


def _tell(process: subprocess.Popen[str]) -> None:
    assert process.stdin is not None
    process.stdin.write("go\n")
    process.stdin.flush()


def _control(process: subprocess.Popen[str], option: str) -> None:
    subprocess.run(["callgrind_control", option, str(process.pid)], check=True, capture_output=True)


def _total(dump: Path) -> int:
    for line in dump.read_text().splitlines():
        if line.startswith(("summary:", "totals:")):
            return int(line.split()[1])
    raise RuntimeError(f"no total in {dump}")


def counted(name: str, count: int, work: Path) -> float:
    """Instructions per request of path `name`, from `count` requests."""
    out, log = work / f"{name}.callgrind.out", work / f"{name}.log"
    command = [
        "valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}",
        sys.executable, "-m", "tests.perf.instructions", "--child", name,
        "--requests", str(count),
    ]  # fmt: skip
    with log.open("wb") as sink:
        # One hash seed: dicts and sets then grow and probe the same way every run.
        env = {**os.environ, "PYTHONHASHSEED": "0"}
        process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=sink, env=env, text=True
        )
        try:
            _expect(process, "ready", log)
            _control(process, "--instr=on")
            _control(process, "--zero")
            _tell(process)
            _expect(process, "done", log)
            _control(process, "--dump")
            _tell(process)
        except BaseException:
            process.kill()
            raise
        finally:
            process.wait(timeout=EXIT_TIMEOUT_S)
    return _total(Path(f"{out}.1")) / count


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("targets", nargs="*", help=f"of {', '.join(PATHS)} (default: all)")
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        uvloop.run(child(args.child, args.requests))  # the server's loop, as uvicorn runs it
        return
    if unknown := set(args.targets) - set(PATHS):
        parser.error(f"unknown target(s): {', '.join(sorted(unknown))}")
    if shutil.which("valgrind") is None:
        parser.error("valgrind is not installed (apt-get install valgrind)")
    names = args.targets or list(PATHS)
    with (
        tempfile.TemporaryDirectory(prefix="kassa-instructions-") as work,
        ThreadPoolExecutor(max_workers=2) as pool,
    ):
        counts = pool.map(lambda name: counted(name, args.requests, Path(work)), names)
        found = dict(zip(names, counts, strict=True))
    for name, per_request in found.items():
        ratio = f", bare/this ×{found['bare'] / per_request:.2f}" if "bare" in found else ""
        print(f"{PATHS[name]}: {per_request / 1e6:.3f} M instructions a request{ratio}")


if __name__ == "__main__":
    main()
