"""The processes a benchmark measures: an app under uvicorn, a fresh PostgreSQL database,
and the CPU time they spend."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx

from adapters.persistence.listening_connection import libpq_dsn
from tests.support.databases import drop_postgres_database, fresh_postgres_url
from tests.support.ports import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
LOOPBACK = "127.0.0.1"

# Names → process ids whose CPU time a recorded phase is charged (asked after warm-up).
CpuProbe = Callable[[], Awaitable[Mapping[str, Sequence[int]]]]


class BenchError(RuntimeError):
    """The run itself broke (a server would not start, the database is not there)."""


def server_env(overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment without any KASSA_* variable, plus `overrides`, so a
    server sees exactly the configuration the part gives it."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("KASSA_")}
    return base | dict(overrides or {})


@dataclass(frozen=True, slots=True)
class Server:
    name: str
    base_url: str
    pid: int
    log_path: Path


@asynccontextmanager
async def uvicorn_server(
    app_factory: str,
    *,
    name: str,
    env: Mapping[str, str] | None = None,
    port: int | None = None,
    health_path: str = "/health",
    startup_timeout: float = 60.0,
    command_prefix: Sequence[str] = (),
    workers: int = 1,
) -> AsyncIterator[Server]:
    """Run `module:factory` under uvicorn in a subprocess until the block ends.

    `workers` worker processes (one by default), access log off, log level warning, on
    127.0.0.1:`port` (a free one by default), environment `server_env(env)`, cwd the
    repository. Ready once `health_path` answers 200. `command_prefix` wraps the command
    (e.g. a profiler). The server's output goes to a log file, kept (and named on stdout)
    only if it logged an error.
    """
    port = port or free_port()
    command = [
        *command_prefix, sys.executable, "-m", "uvicorn", app_factory, "--factory",
        "--host", LOOPBACK, "--port", str(port), "--workers", str(workers),
        "--no-access-log", "--log-level", "warning",
        # Workers importing on a loaded machine miss uvicorn's 5 s first ping otherwise.
        *(["--timeout-worker-healthcheck", "60"] if workers > 1 else []),
    ]  # fmt: skip
    fd, log_name = tempfile.mkstemp(prefix=f"kassa-bench-{name}-", suffix=".log")
    log_path = Path(log_name)
    with os.fdopen(fd, "wb") as log:
        process = await asyncio.create_subprocess_exec(
            *command,
            cwd=REPO_ROOT,
            env=server_env(env),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=log,
            stderr=asyncio.subprocess.STDOUT,
        )
    server = Server(name, f"http://{LOOPBACK}:{port}", process.pid, log_path)
    try:
        await _wait_until_healthy(server, process, health_path, startup_timeout)
        yield server
    finally:
        await _stop(process)
        _keep_log_if_it_shows_errors(name, log_path)


async def _wait_until_healthy(
    server: Server, process: asyncio.subprocess.Process, path: str, within: float
) -> None:
    deadline = time.monotonic() + within
    async with httpx.AsyncClient(base_url=server.base_url, trust_env=False, timeout=5) as client:
        while time.monotonic() < deadline:
            if process.returncode is not None:
                raise BenchError(
                    f"The {server.name} server exited ({process.returncode}) at start-up:\n"
                    + log_tail(server.log_path)
                )
            try:
                if (await client.get(path)).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise BenchError(
        f"The {server.name} server did not answer {path} within {within:g} s:\n"
        + log_tail(server.log_path)
    )


async def _stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), 15)
        except TimeoutError:
            process.kill()
            await process.wait()


def _keep_log_if_it_shows_errors(name: str, log_path: Path) -> None:
    text = log_path.read_text(errors="replace")
    if "Traceback" in text or "ERROR" in text:
        print(f"  ! the {name} server logged errors: {log_path}")
    else:
        log_path.unlink(missing_ok=True)


def log_tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@asynccontextmanager
async def postgres_database() -> AsyncIterator[str]:
    """A fresh, migrated Kassa database on the test PostgreSQL server (KASSA_TEST_POSTGRES_URL,
    default postgres@127.0.0.1:5432, trust), dropped at the end."""
    try:
        url = await fresh_postgres_url(migrate=True)
    except Exception as exc:
        raise BenchError(f"No PostgreSQL for the benchmark: {exc}") from exc
    try:
        yield url
    finally:
        await drop_postgres_database(url)


def cpu_seconds(pids: Sequence[int]) -> dict[int, float]:
    """User + system CPU seconds of each live process (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    found: dict[int, float] = {}
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        found[pid] = (int(fields[11]) + int(fields[12])) / tick
    return found


def child_pids(pid: int) -> list[int]:
    """The processes `pid` started (uvicorn's workers under its supervisor)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def cpu_probe(server: Server) -> CpuProbe:
    """Charge a phase the server process's CPU time, and its workers' if it has any
    (`run_load` adds PostgreSQL's backends when it counts them)."""

    async def probe() -> dict[str, list[int]]:
        return {"server": [server.pid, *child_pids(server.pid)]}

    return probe


# PostgreSQL counts a new session in the backend's pending statistics, flushed when the
# backend goes idle (at most a second later) or exits; reading after this long sees them.
STATS_SETTLE_S = 1.2


class BackendCounter:
    """PostgreSQL backends (sessions) made to one database between two readings, from
    pg_stat_database.sessions, and which of them are still open then (pg_stat_activity),
    over a connection of its own opened first (so it does not count itself). A new backend
    still open at the end is the pool growing to its size; one closed again is churn:
    0 during a recorded phase means the pool did not churn."""

    def __init__(self, database_url: str) -> None:
        self._dsn = libpq_dsn(database_url)
        self._conn: asyncpg.Connection | None = None

    async def __aenter__(self) -> BackendCounter:
        self._conn = await asyncpg.connect(self._dsn)
        await self._conn.fetchval("SELECT 1")
        return self

    async def __aexit__(self, *_: object) -> None:
        if self._conn is not None:
            await self._conn.close()

    async def sessions(self) -> tuple[int, frozenset[int]]:
        """Sessions ever made to the database, once pending statistics are flushed, and
        the backends open now (by pid: one that was open before and closes meanwhile, a
        server stopped just before, say, is not churn)."""
        assert self._conn is not None
        await asyncio.sleep(STATS_SETTLE_S)
        made = await self._conn.fetchval(
            "SELECT sessions FROM pg_stat_database WHERE datname = current_database()"
        )
        return int(made or 0), frozenset(await self.backend_pids())

    @staticmethod
    def counted(
        before: tuple[int, frozenset[int]], after: tuple[int, frozenset[int]]
    ) -> tuple[int, int]:
        """Between two `sessions()` readings: the backends made, and those of them closed
        again (made, but not among the backends open at the end that were not before)."""
        made = after[0] - before[0]
        return made, made - len(after[1] - before[1])

    async def backend_pids(self) -> list[int]:
        """The backends connected to the database now, but this counter's own."""
        assert self._conn is not None
        rows = await self._conn.fetch(
            "SELECT pid FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return [row["pid"] for row in rows]
