"""One link's budget is shared by every Kassa process (§7, §12): two uvicorn servers on one
Redis (KASSA_TEST_REDIS_URL, default 127.0.0.1:6379) refuse the 21st view between them."""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path

import httpx
import pytest
import redis.asyncio as aioredis

from adapters.persistence.sql.migrate import upgrade
from application.customers.customers import CreateCustomerCommand
from application.customers.invoices import CreateInvoiceCommand
from application.portal.tokens import IssuePortalTokenCommand
from application.tenants.create_tenant import CreateTenantCommand
from domain.audit import Actor
from domain.invoice import InvoiceLine
from domain.portal_token import split_token
from entrypoints.container import build_container
from entrypoints.settings import Settings
from tests.perf.harness import Server, uvicorn_server
from tests.support.databases import skip_or_fail

pytestmark = pytest.mark.redis

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
APP_FACTORY = "tests.perf.kassa:create_app_from_env"
OPERATOR = Actor(kind="operator", id="redis-test")


@pytest.fixture
async def redis_url() -> AsyncIterator[str]:
    """The test Redis, reachable; a namespace of this run's is removed afterwards."""
    url = os.environ.get("KASSA_TEST_REDIS_URL", DEFAULT_REDIS_URL)
    client = aioredis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        await client.ping()
    except (OSError, aioredis.RedisError) as exc:
        await client.aclose()
        skip_or_fail(f"Redis not reachable at {url}: {exc}")
    try:
        yield url
    finally:
        await client.aclose()


async def issue_link(database_url: str) -> str:
    """A tenant, a customer, an invoice and a link, written where both servers read."""
    await upgrade(database_url)
    container = build_container(Settings(env="test", database_url=database_url, bcrypt_rounds=4))
    try:
        tenant = await container.create_tenant().execute(CreateTenantCommand(name="Shared"))
        customer = await container.create_customer().execute(
            CreateCustomerCommand(tenant.id, "shared@example.com", OPERATOR)
        )
        invoice = await container.create_invoice().execute(
            CreateInvoiceCommand(
                tenant.id, customer.id, "usd", [InvoiceLine("Plan", 1, 900)], OPERATOR
            )
        )
        issued = await container.issue_portal_token().execute(
            IssuePortalTokenCommand(tenant.id, customer.id, OPERATOR, invoice_id=invoice.id)
        )
    finally:
        await container.engine().dispose()
    return issued.secret


async def keys_of(redis_url: str, namespace: str, *, delete: bool = False) -> list[str]:
    client = aioredis.Redis.from_url(redis_url)
    found = []
    try:
        async for key in client.scan_iter(match=f"{namespace}:*"):
            found.append(key.decode())
            if delete:
                await client.delete(key)
    finally:
        await client.aclose()
    return found


async def test_two_processes_share_one_links_budget(redis_url: str, tmp_path: Path) -> None:
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'kassa.db'}"
    token = await issue_link(database_url)
    namespace = f"kassa-test-{secrets.token_hex(6)}"
    env = {
        "KASSA_DATABASE_URL": database_url,
        "KASSA_REDIS_URL": redis_url,
        "KASSA_REDIS_NAMESPACE": namespace,
        "KASSA_CONSUMER_IN_PROCESS": "false",
        "KASSA_BCRYPT_ROUNDS": "4",
        "KASSA_LOG_LEVEL": "WARNING",
    }
    try:
        async with AsyncExitStack() as stack:

            async def start(name: str) -> Server:
                return await stack.enter_async_context(
                    uvicorn_server(APP_FACTORY, name=name, env=env)
                )

            async with asyncio.TaskGroup() as starting:  # both start at once
                both = [starting.create_task(start(name)) for name in ("kassa-a", "kassa-b")]
            servers = [task.result() for task in both]
            statuses = []
            async with httpx.AsyncClient(trust_env=False, timeout=10) as client:
                for n in range(21):
                    base = servers[n % 2].base_url
                    answer = await client.get(f"{base}/api/v1/public/payment/{token}/invoice")
                    statuses.append(answer.status_code)
            assert statuses == [200] * 20 + [429], statuses
            assert answer.headers["Retry-After"]
            assert answer.json()["error"]["type"] == "rate_limit_error"
        keys = await keys_of(redis_url, namespace)
        assert len(keys) == 1, keys  # one counter for the link, under a hash of it
        assert split_token(token)[0] not in keys[0] and split_token(token)[1] not in keys[0]
    finally:
        await keys_of(redis_url, namespace, delete=True)
