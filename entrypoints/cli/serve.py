"""`kassa serve`: migrate the embedded database if need be, then run the HTTP API."""

from __future__ import annotations

import logging
import os
import shutil
import sys
import tempfile
from pathlib import Path

import click
from dependency_injector import providers
from msgspec.structs import replace

from entrypoints.cli.context import DEMO_TENANT_ID, CliState, pass_state
from entrypoints.cli.db import migrate, printable_url
from entrypoints.settings import Settings, env_name, local_url

log = logging.getLogger("kassa.serve")

WORKER_HEALTHCHECK_S = 60


def is_embedded(settings: Settings) -> bool:
    return settings.database_url.startswith("sqlite")


def program() -> str:
    """How the operator reaches this command (`kassa`, or `.venv/bin/kassa` off PATH)."""
    argv0 = Path(sys.argv[0])
    found = shutil.which("kassa")
    if argv0.name != "kassa" or (found and Path(found).resolve() == argv0.resolve()):
        return "kassa"
    try:
        return str(argv0.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(argv0)


def banner(settings: Settings, host: str, port: int) -> str:
    base = local_url(host, port)
    kassa = program()
    return "\n".join(
        [
            f"Kassa on {base}  (database {printable_url(settings.database_url)}, "
            f"gateway {settings.gateway})",
            f"  API docs:    {base}/schema",
            f"  Demo tokens: {kassa} demo --json",
            f"  One token:   {kassa} auth token --tenant {DEMO_TENANT_ID} --role merchant",
        ]
    )


@click.command()
@click.option("--host", default=None, help="Interface to listen on [default: KASSA_HOST].")
@click.option(
    "--port", default=None, type=click.IntRange(0, 65535), help="Port [default: KASSA_PORT]."
)
@click.option(
    "--migrate/--no-migrate",
    "migrate_first",
    default=None,
    help="Migrate the database first [default: only an embedded SQLite database].",
)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Worker processes sharing the port; the background loops run in one of them.",
)
@pass_state
def serve(
    state: CliState,
    host: str | None,
    port: int | None,
    migrate_first: bool | None,
    workers: int,
) -> None:
    """Run the HTTP API (one process, or --workers N sharing the port)."""
    # The HTTP stack loads here only, so other commands start quickly.
    import uvicorn

    from entrypoints.http.app import create_app
    from entrypoints.log_format import uvicorn_log_config

    host = state.settings.host if host is None else host
    port = state.settings.port if port is None else port
    # Links (portal links, the fake gateway's pages) name the address actually served.
    settings = state.use(replace(state.settings, host=host, port=port))
    state.container.fake_webhook_target.override(providers.Object(local_url(host, port)))
    settings.ensure_local_dirs()
    if migrate_first is None:
        migrate_first = is_embedded(settings)
    app = create_app(state.container)  # sets up logging, so `say` can log from here on
    say = log.info if settings.log_format == "json" else click.echo
    if migrate_first and migrate(settings):
        say(f"Database {printable_url(settings.database_url)} is at the latest schema.")
    say(banner(settings, host, port))
    options = {
        "host": host,
        "port": port,
        "log_level": settings.log_level.lower(),
        "log_config": uvicorn_log_config(settings.log_level),  # Kassa's chain, as JSON too
    }
    if workers == 1:
        uvicorn.run(app, workers=1, **options)  # type: ignore[arg-type]
        return
    if settings.store == "memory":
        raise click.ClickException("--workers needs a database: each worker would have its own.")
    with tempfile.TemporaryDirectory(prefix="kassa-serve-") as shared:
        os.environ.update(worker_environment(settings, host, port, Path(shared)))
        say(f"{workers} workers; background loops in one of them (lock {shared}/loops.lock)")
        if not settings.redis_url:
            say("Without KASSA_REDIS_URL each worker counts the rate limits on its own.")
        uvicorn.run(
            "entrypoints.http.app:create_app_from_env",
            factory=True,
            workers=workers,
            # A worker importing Kassa on a busy machine takes more than uvicorn's default
            # 5 s to answer the supervisor's first ping, which then kills and restarts it.
            timeout_worker_healthcheck=WORKER_HEALTHCHECK_S,
            **options,  # type: ignore[arg-type]
        )


def worker_environment(settings: Settings, host: str, port: int, shared: Path) -> dict[str, str]:
    """What every worker reads, beyond the environment it inherits: where it listens (for
    links), the lock its loops need, and prometheus-client's multiprocess directory, so
    /metrics sums every worker's counters (unless the operator chose one)."""
    metrics = shared / "metrics"
    metrics.mkdir()
    found = {
        env_name("host"): host,
        env_name("port"): str(port),
        env_name("loops_lock"): str(shared / "loops.lock"),
        env_name("database_url"): settings.database_url,
    }
    if "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
        found["PROMETHEUS_MULTIPROC_DIR"] = str(metrics)
    return found
