"""End-to-end fixtures: the HTTP app over a fresh container, two tenants, and tokens."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from dependency_injector import providers
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from adapters.persistence.sql.engine import normalize_url
from adapters.persistence.sql.migrate import upgrade
from adapters.security.jwt_tokens import JwtAccessTokens
from application.ports.repositories import PageRequest, PaymentFilter
from application.ports.webhook_inbox import WebhookEventFilter
from application.tenants.create_tenant import CreateTenantCommand
from entrypoints.container import Container, build_container
from entrypoints.http.app import create_app
from entrypoints.settings import Settings
from tests.support.databases import (
    PostgresUnavailableError,
    drop_postgres_database,
    fresh_postgres_url,
    skip_or_fail,
)

TENANT = "ten_acme"
OTHER_TENANT = "ten_other"
VISA = "pm_card_visa"


def payment_body(order_id: str = "ord_1", amount: object = 10_000, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "order_id": order_id,
        "amount": amount,
        "currency": "usd",
        "payment_method": VISA,
    }
    body.update(extra)
    return body


@dataclass
class Api:
    """The app under test, spoken to as a merchant of `TENANT` unless told otherwise."""

    client: AsyncTestClient[Any]
    container: Container
    settings: Settings

    @classmethod
    @asynccontextmanager
    async def serving(cls, container: Container) -> AsyncIterator[Api]:
        """Kassa's app over `container`, spoken to through a test client."""
        async with AsyncTestClient(app=create_app(container)) as client:
            yield cls(client, container, container.settings())

    def token(
        self,
        *roles: str,
        tenant: str = TENANT,
        ttl: timedelta = timedelta(minutes=15),
        secret: str | None = None,
    ) -> str:
        return JwtAccessTokens(secret or self.settings.jwt_secret).issue(
            subject="user_e2e",
            tenant_id=tenant,
            roles=list(roles or ("merchant",)),
            now=datetime.now(UTC),
            ttl=ttl,
        )

    def headers(
        self, *roles: str, tenant: str = TENANT, key: str | None = None, **extra: str
    ) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.token(*roles, tenant=tenant)}", **extra}
        if key is not None:
            headers["Idempotency-Key"] = key
        return headers

    async def post(
        self,
        path: str,
        body: Mapping[str, Any] | None = None,
        *,
        role: str = "merchant",
        tenant: str = TENANT,
        key: str | None = None,
    ) -> httpx.Response:
        return await self.client.post(
            f"/api/v1{path}",
            json=body if body is not None else {},
            headers=self.headers(role, tenant=tenant, key=key),
        )

    async def get(
        self, path: str, *, role: str = "merchant", tenant: str = TENANT, **params: Any
    ) -> httpx.Response:
        return await self.client.get(
            f"/api/v1{path}", params=params, headers=self.headers(role, tenant=tenant)
        )

    async def stored_payments(self) -> int:
        """Payments stored for either tenant (any store)."""
        everything = PageRequest(limit=100)
        found = 0
        for tenant in (TENANT, OTHER_TENANT):
            page = await self.container.list_payments().execute(tenant, PaymentFilter(), everything)
            found += len(page.data)
        return found

    async def stored_events(self) -> int:
        """Webhook events in the inbox, from every gateway."""
        page = await self.container.list_webhook_events().execute(
            WebhookEventFilter(), PageRequest(limit=100)
        )
        return len(page.data)

    async def key_saved(self, key: str, tenant: str = TENANT) -> bool:
        async with self.container.unit_of_work() as uow:
            return await uow.idempotency.get(tenant, key) is not None

    def gateway_calls(self, operation: str) -> int:
        return sum(1 for op, _ in self.container.gateway().calls if op == operation)


@pytest.fixture
def store_kind() -> str:
    """`memory` by default; a test parametrizes `store_kind` to run on SQLite too."""
    return "memory"


async def kassa_container(
    store_kind: str, tmp_path: Path, tenants: Mapping[str, str], **settings: Any
) -> Container:
    """Kassa on `store_kind` (`memory`; SQLite migrated in `tmp_path`; `postgresql`, a
    fresh database of its own, dropped by `close_container`), with `tenants`.

    No in-process consumer: it is tested on its own (test_webhooks_in_process.py), and here
    it would share SQLite's single connection with the test's own reads on another loop.
    """
    url = "memory://"
    if store_kind == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'kassa.db'}"
        await upgrade(url)  # the migrations seed the fee tiers, as the memory store does
    elif store_kind == "postgresql":
        try:
            url = await fresh_postgres_url()
        except PostgresUnavailableError as exc:
            skip_or_fail(str(exc))
    container = build_container(
        Settings(env="test", database_url=url, consumer_in_process=False, **settings)
    )
    if store_kind == "postgresql":
        # The test client runs the app on a loop of its own: no pooled connection may pass
        # from one loop to the other, so each unit of work, Kassa's or the fake gateway's,
        # connects afresh.
        for engine in (container.engine, container.fake_gateway_engine):
            engine.override(
                providers.Object(create_async_engine(normalize_url(url), poolclass=NullPool))
            )
    for tenant_id, name in tenants.items():
        await container.create_tenant().execute(CreateTenantCommand(name=name, tenant_id=tenant_id))
    return container


async def close_container(container: Container) -> None:
    settings = container.settings()
    if settings.store == "sql":
        await container.engine().dispose()
    if settings.database_url.startswith("postgresql"):
        await drop_postgres_database(settings.database_url)


@pytest.fixture
async def container(store_kind: str, tmp_path: Path) -> AsyncIterator[Container]:
    kassa = await kassa_container(store_kind, tmp_path, {TENANT: "Acme", OTHER_TENANT: "Other"})
    yield kassa
    await close_container(kassa)


@pytest.fixture
async def api(container: Container) -> AsyncIterator[Api]:
    async with Api.serving(container) as api:
        yield api
