"""The tenant configuration cache on PostgreSQL: served from memory while nothing changes,
dropped promptly when another engine or another process commits a change, never kept
from a read that overlapped a change, and off while it cannot listen."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text

from adapters.persistence.tenant_config_cache import (
    CHANNEL,
    ListeningTenantConfigCache,
    NoTenantConfigCache,
)
from application.ports.config_cache import TenantConfig
from application.tenants.create_tenant import CreateTenantCommand
from application.tenants.update_tenant import SetFeeOverrideCommand
from domain.audit import Actor
from domain.tenant import Tenant, TenantStatus
from entrypoints.container import Container, build_container
from entrypoints.settings import Settings
from tests.perf.servers import REPO_ROOT, server_env

pytestmark = pytest.mark.postgres

OPERATOR = Actor(kind="operator", id="cache-test")
PROMPTLY_S = 2.0
AnyCache = NoTenantConfigCache | ListeningTenantConfigCache


@pytest.fixture
async def containers(postgres_url: str) -> AsyncIterator[tuple[Container, Container]]:
    """Two containers (two engines, two caches) on one database, as two processes are."""
    settings = Settings(database_url=postgres_url, fake_gateway_state="memory")
    made = (build_container(settings), build_container(settings))
    for container in made:
        await container.tenant_config_cache().start()
    try:
        yield made
    finally:
        for container in made:
            await container.tenant_config_cache().close()
            await container.engine().dispose()


async def read_config(container: Container, tenant_id: str) -> TenantConfig:
    async with container.unit_of_work() as uow:
        return await container.fee_terms().config(uow, tenant_id)


async def dropped(cache: AnyCache, tenant_id: str) -> bool:
    deadline = time.monotonic() + PROMPTLY_S
    while time.monotonic() < deadline:
        if cache.get(tenant_id) is None:
            return True
        await asyncio.sleep(0.01)
    return False


async def moved_on(cache: AnyCache, generation: int) -> bool:
    deadline = time.monotonic() + PROMPTLY_S
    while time.monotonic() < deadline:
        if cache.generation() != generation:
            return True
        await asyncio.sleep(0.01)
    return False


async def heard_tenant(writer: Container, cache: AnyCache, tenant_id: str) -> Tenant:
    """A new tenant, once the cache heard of its creation (a read before that is not kept)."""
    before = cache.generation()
    tenant = await writer.create_tenant().execute(
        CreateTenantCommand(name="Cached", tenant_id=tenant_id)
    )
    assert await moved_on(cache, before)
    return tenant


async def test_a_change_by_another_engine_is_seen_promptly(
    containers: tuple[Container, Container], unique: str
) -> None:
    reader, writer = containers
    cache = reader.tenant_config_cache()
    tenant = await heard_tenant(writer, cache, f"ten_cache_{unique}")
    first = await read_config(reader, tenant.id)
    assert cache.get(tenant.id) == first  # served from memory from now on: no read
    assert (await read_config(reader, tenant.id))[0] is first[0]

    await writer.set_fee_override().execute(
        SetFeeOverrideCommand(tenant.id, OPERATOR, percentage_bps=123)
    )
    assert await dropped(cache, tenant.id)
    fresh, _tier = await read_config(reader, tenant.id)
    assert fresh.fee_override is not None and fresh.fee_override.percentage_bps == 123


async def test_a_change_by_another_process_is_seen_promptly(
    containers: tuple[Container, Container], postgres_url: str, unique: str
) -> None:
    reader, _ = containers
    cache = reader.tenant_config_cache()
    tenant = await heard_tenant(reader, cache, f"ten_cache_{unique}")
    await read_config(reader, tenant.id)
    assert cache.get(tenant.id) is not None
    env = server_env({"KASSA_DATABASE_URL": postgres_url})
    done = await asyncio.to_thread(
        subprocess.run,
        [str(Path(sys.executable).parent / "kassa"), "tenants", "suspend", tenant.id],
        cwd=REPO_ROOT, env=env | {"PATH": os.environ.get("PATH", "")},
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert await dropped(cache, tenant.id)
    fresh, _tier = await read_config(reader, tenant.id)
    assert fresh.status is TenantStatus.SUSPENDED


async def test_a_read_overlapping_a_change_is_not_kept(
    containers: tuple[Container, Container], unique: str
) -> None:
    reader, writer = containers
    tenant = await writer.create_tenant().execute(
        CreateTenantCommand(name="Raced", tenant_id=f"ten_cache_{unique}")
    )
    cache = reader.tenant_config_cache()
    before = cache.generation()
    config = await read_config(writer, tenant.id)  # read "before" the change below
    async with writer.engine().connect() as conn:
        await conn.execute(text(f"NOTIFY {CHANNEL}, 'tenant:{tenant.id}'"))
        await conn.commit()
    assert await moved_on(cache, before)
    cache.put(tenant.id, config, before)
    assert cache.get(tenant.id) is None


async def test_nothing_is_kept_while_not_listening(postgres_url: str, unique: str) -> None:
    container = build_container(Settings(database_url=postgres_url))
    try:
        tenant = await container.create_tenant().execute(
            CreateTenantCommand(name="Unheard", tenant_id=f"ten_cache_{unique}")
        )
        await read_config(container, tenant.id)  # the cache was never started
        assert container.tenant_config_cache().get(tenant.id) is None
    finally:
        await container.engine().dispose()
