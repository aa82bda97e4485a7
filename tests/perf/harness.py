"""The benchmark parts' toolbox, in one import: servers, load, figures.

A part starts its app with `uvicorn_server(...)` (on a `postgres_database()`), drives it
with `run_load(...)`, and prints `format_table(...)`; `bench.py` runs the parts one after
another with `run_main`. Load goes to 127.0.0.1 only, over HTTP/1.1 keep-alive.
"""

from __future__ import annotations

from tests.perf.load import (
    Call,
    LoadPlan,
    LoadResult,
    MakeCall,
    percentile,
    run_load,
    run_main,
)
from tests.perf.report import churn_line, format_table, load_average, verdict
from tests.perf.servers import (
    LOOPBACK,
    REPO_ROOT,
    BenchError,
    CpuProbe,
    Server,
    cpu_probe,
    cpu_seconds,
    log_tail,
    postgres_database,
    server_env,
    uvicorn_server,
)
from tests.support.ports import free_port

__all__ = [
    "LOOPBACK",
    "REPO_ROOT",
    "BenchError",
    "Call",
    "CpuProbe",
    "LoadPlan",
    "LoadResult",
    "MakeCall",
    "Server",
    "churn_line",
    "cpu_probe",
    "cpu_seconds",
    "format_table",
    "free_port",
    "load_average",
    "log_tail",
    "percentile",
    "postgres_database",
    "run_load",
    "run_main",
    "server_env",
    "uvicorn_server",
    "verdict",
]
