"""The payment page in a real browser: Debian's Chromium (/usr/bin/chromium, or
KASSA_TEST_CHROMIUM) driven by Playwright for Python, against a real Kassa server started
in this process (uvicorn on a free loopback port, SQLite, the fake gateway), as
`make serve` runs it.

Without Chromium the tests skip with the reason; under CI they fail (`.ci/run` installs
it). Screenshots of the main pages, at desktop (1280 px) and phone (390 px) widths, go to
`var/screenshots/` (KASSA_SCREENSHOTS overrides), which CI keeps as artifacts.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from dependency_injector import providers

from adapters.persistence.sql.migrate import upgrade
from adapters.system.clock import FixedClock
from application.customers.invoices import CreateInvoiceCommand
from application.portal.tokens import IssuePortalTokenCommand
from domain.invoice import InvoiceLine
from entrypoints.cli.context import DEMO_TENANT_ID
from entrypoints.cli.demo import ensure_demo_tenant
from entrypoints.cli.demo_portal import DemoPortal, ensure_demo_portal
from entrypoints.cli.operator import operator_actor
from entrypoints.container import Container, build_container
from entrypoints.http.app import create_app
from entrypoints.settings import Settings
from tests.support.databases import skip_or_fail
from tests.support.http_server import serving
from tests.support.ports import LOOPBACK, free_port

CHROMIUM = Path(os.environ.get("KASSA_TEST_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(os.environ.get("KASSA_SCREENSHOTS", "var/screenshots"))
WIDTHS = {"desktop": (1280, 800), "phone": (390, 844)}


@dataclass
class Shop:
    """A running Kassa with the demo tenant, its clock, and a way to issue links."""

    base_url: str
    container: Container
    clock: FixedClock

    async def demo_link(self) -> DemoPortal:
        """What `kassa demo` prints: the demo customer's open invoice and a fresh link."""
        tenant, _ = await ensure_demo_tenant(self.container)
        return await ensure_demo_portal(self.container, tenant.id)

    async def account_link(self, demo: DemoPortal, extra_invoice_in: str) -> str:
        """A link to the demo customer's whole account, with one more open invoice in
        another currency: the page lists both and the balance per currency."""
        command = CreateInvoiceCommand(
            tenant_id=DEMO_TENANT_ID,
            customer_id=demo.customer.id,
            currency=extra_invoice_in,
            lines=[InvoiceLine("Support hours", 1, 2_500)],
            actor=operator_actor(),
        )
        await self.container.create_invoice().execute(command)
        issue = IssuePortalTokenCommand(DEMO_TENANT_ID, demo.customer.id, operator_actor())
        return (await self.container.issue_portal_token().execute(issue)).url

    async def invoice_state(self, invoice_id: str) -> tuple[str, int]:
        async with self.container.unit_of_work() as uow:
            invoice = await uow.invoices.get(DEMO_TENANT_ID, invoice_id)
        assert invoice is not None
        return invoice.status.value, invoice.amount_due


@pytest.fixture
def chromium_path() -> Path:
    if not CHROMIUM.exists():
        skip_or_fail(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return CHROMIUM


@pytest.fixture
async def shop(tmp_path: Path) -> AsyncIterator[Shop]:
    port = free_port()
    url = f"sqlite+aiosqlite:///{tmp_path / 'kassa.db'}"
    await upgrade(url)
    settings = Settings(
        env="test",
        database_url=url,
        public_base_url=f"http://{LOOPBACK}:{port}",
        bcrypt_rounds=4,
        portal_view_rate_limit=60,  # the flows and their screenshots load many pages
        portal_pay_rate_limit=50,
        portal_methods_rate_limit=50,
        consumer_in_process=False,  # /return asks the gateway; no webhook is waited for
        fake_webhook_delivery=False,
        event_delivery_in_process=False,
    )
    container = build_container(settings)
    clock = FixedClock(datetime.now(UTC))
    container.clock.override(providers.Object(clock))
    async with serving(create_app(container), port=port) as base_url:
        yield Shop(base_url, container, clock)


@pytest.fixture
async def browser(chromium_path: Path) -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=str(chromium_path), args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
async def page(browser: Any) -> AsyncIterator[Any]:
    context = await browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        yield await context.new_page()
    finally:
        await context.close()


async def screenshot(page: Any, name: str) -> None:
    """The page as it is, at both widths, full length: `<name>-desktop.png`, `-phone.png`."""
    for width_name, (width, height) in WIDTHS.items():
        await page.set_viewport_size({"width": width, "height": height})
        await page.screenshot(path=str(SCREENSHOTS / f"{name}-{width_name}.png"), full_page=True)
    await page.set_viewport_size({"width": 1280, "height": 800})
