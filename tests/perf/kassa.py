"""Kassa under load: its server configuration, a tenant and a merchant token, the factory.

`uvicorn tests.perf.kassa:create_app_from_env --factory` builds the app exactly as
`kassa serve` does (Settings from KASSA_*, the container, `create_app`), without the
banner and with uvicorn's own flags (access log off), which `kassa serve` cannot set.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import msgspec
from litestar import Litestar

from adapters.security.jwt_tokens import JwtAccessTokens
from application.tenants.create_tenant import CreateTenantCommand
from entrypoints.container import build_container
from entrypoints.http.app import create_app
from entrypoints.settings import Settings
from tests.perf.harness import LOOPBACK, Server, free_port, uvicorn_server

PERF_TENANT = "ten_perf"


def create_app_from_env() -> Litestar:
    """The factory uvicorn calls in the server process."""
    return create_app(build_container(Settings.from_env()))


def kassa_env(database_url: str, port: int) -> dict[str, str]:
    """What the benchmark's Kassa runs with: PostgreSQL, the fake gateway's books in its
    memory (the other side's work is not Kassa's), no in-process consumer, warnings only."""
    return {
        "KASSA_DATABASE_URL": database_url,
        "KASSA_GATEWAY": "fake",
        "KASSA_FAKE_GATEWAY_STATE": "memory",
        "KASSA_CONSUMER_IN_PROCESS": "false",
        "KASSA_LOG_LEVEL": "WARNING",
        "KASSA_HOST": LOOPBACK,
        "KASSA_PORT": str(port),
    }


@dataclass(frozen=True, slots=True)
class KassaSetup:
    """A migrated database with one tenant, the server's environment, and a token."""

    database_url: str
    port: int
    env: dict[str, str]
    settings: Settings
    tenant_id: str
    merchant_token: str

    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.merchant_token}"}


async def prepare_kassa(database_url: str, tenant_id: str = PERF_TENANT) -> KassaSetup:
    """Create the tenant through the container's use case; mint its merchant JWT."""
    port = free_port()
    env = kassa_env(database_url, port)
    settings = Settings.from_env(env)
    container = build_container(settings)
    try:
        await container.create_tenant().execute(
            CreateTenantCommand(name="Perf Merchant", tenant_id=tenant_id)
        )
    finally:
        await container.engine().dispose()
    token = JwtAccessTokens(settings.jwt_secret).issue(
        subject="user_bench",
        tenant_id=tenant_id,
        roles=["merchant"],
        now=datetime.now(UTC),
        ttl=timedelta(hours=4),
    )
    return KassaSetup(database_url, port, env, settings, tenant_id, token)


def in_process(setup: KassaSetup) -> KassaSetup:
    """The setup for Kassa run in this process (profiles, the hot paths' tests): the fake
    gateway's books in memory, as the benchmark's server keeps them."""
    settings = msgspec.structs.replace(setup.settings, fake_gateway_state="memory")
    return dataclasses.replace(setup, settings=settings)


@asynccontextmanager
async def kassa_server(setup: KassaSetup, **options: object) -> AsyncIterator[Server]:
    """Kassa in a uvicorn subprocess on the setup's port (options: `uvicorn_server`'s)."""
    async with uvicorn_server(
        "tests.perf.kassa:create_app_from_env",
        name="kassa",
        env=setup.env,
        port=setup.port,
        **options,  # type: ignore[arg-type]
    ) as server:
        yield server
