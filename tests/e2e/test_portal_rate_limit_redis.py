"""The portal's budgets are shared by every Kassa process (§7, §12): two uvicorn servers on
one Redis (KASSA_TEST_REDIS_URL, default 127.0.0.1:6379) refuse the 21st view of a link, and
the 11th failed link check from one address, between them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import create_async_engine

from adapters.persistence.sql.migrate import upgrade
from adapters.persistence.sql.tables import audit_entries
from application.customers.customers import CreateCustomerCommand
from application.customers.invoices import CreateInvoiceCommand
from application.portal.tokens import IssuePortalTokenCommand
from application.tenants.create_tenant import CreateTenantCommand
from domain.audit import Actor
from domain.invoice import InvoiceLine
from domain.portal_token import join_token, split_token
from entrypoints.container import build_container
from entrypoints.settings import Settings
from tests.e2e.test_portal_security import random_part
from tests.perf.harness import Server, uvicorn_server
from tests.support.redis import fresh_namespace, keys_of, redis_url_fixture  # noqa: F401

pytestmark = pytest.mark.redis

APP_FACTORY = "tests.perf.kassa:create_app_from_env"
OPERATOR = Actor(kind="operator", id="redis-test")
PORTAL = "/api/v1/public/payment"
ANOTHER_LOOPBACK = "127.0.0.2"  # another client address on this machine


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


@asynccontextmanager
async def two_servers(
    database_url: str, redis_url: str, namespace: str
) -> AsyncIterator[list[Server]]:
    """Two Kassa processes on one database and one Redis namespace."""
    env = {
        "KASSA_DATABASE_URL": database_url,
        "KASSA_REDIS_URL": redis_url,
        "KASSA_REDIS_NAMESPACE": namespace,
        "KASSA_CONSUMER_IN_PROCESS": "false",
        "KASSA_BCRYPT_ROUNDS": "4",
        "KASSA_LOG_LEVEL": "WARNING",
    }
    async with AsyncExitStack() as stack:

        async def start(name: str) -> Server:
            return await stack.enter_async_context(uvicorn_server(APP_FACTORY, name=name, env=env))

        async with asyncio.TaskGroup() as starting:  # both start at once
            both = [starting.create_task(start(name)) for name in ("kassa-a", "kassa-b")]
        yield [task.result() for task in both]


async def rejected_checks(database_url: str) -> int:
    """Failed link checks that ran (each one a bcrypt check), as the audit trail has them."""
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:
            rejected = audit_entries.c.action == "portal_token.rejected"
            found = await conn.scalar(select(func.count()).where(rejected))
    finally:
        await engine.dispose()
    return int(found or 0)


async def test_two_processes_share_one_links_budget(redis_url: str, tmp_path: Path) -> None:
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'kassa.db'}"
    token = await issue_link(database_url)
    namespace = fresh_namespace()
    try:
        async with two_servers(database_url, redis_url, namespace) as servers:
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


async def test_two_processes_share_one_addresses_budget_of_failed_checks(
    redis_url: str, tmp_path: Path
) -> None:
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'kassa.db'}"
    token = await issue_link(database_url)
    namespace = fresh_namespace()
    try:
        async with two_servers(database_url, redis_url, namespace) as servers:

            def invoice_of(n: int, link: str) -> str:
                return f"{servers[n % 2].base_url}{PORTAL}/{link}/invoice"

            async with httpx.AsyncClient(trust_env=False, timeout=10) as guesser:
                statuses = []
                for n in range(30):
                    made_up = join_token(random_part(16), random_part(32))
                    answer = await guesser.get(invoice_of(n, made_up))
                    statuses.append(answer.status_code)
                    if answer.status_code == 429:
                        refused = answer
                assert statuses == [401] * 10 + [429] * 20, statuses
                assert int(refused.headers["Retry-After"]) >= 1
                assert refused.json()["error"]["type"] == "rate_limit_error"
                # The budget is the address's: a good link waits out the minute too.
                assert (await guesser.get(invoice_of(0, token))).status_code == 429
                assert (await guesser.get(invoice_of(1, token))).status_code == 429

            elsewhere = httpx.AsyncHTTPTransport(local_address=ANOTHER_LOOPBACK)
            async with httpx.AsyncClient(transport=elsewhere, trust_env=False, timeout=10) as c:
                made_up = join_token(random_part(16), random_part(32))
                assert (await c.get(invoice_of(0, made_up))).status_code == 401
                assert (await c.get(invoice_of(1, token))).status_code == 200

        assert await rejected_checks(database_url) == 10 + 1  # bcrypt ran for these only
    finally:
        await keys_of(redis_url, namespace, delete=True)
