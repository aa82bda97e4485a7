"""The Litestar application, built from a container: `create_app(container)`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from litestar import Litestar, Router
from litestar.datastructures import State
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin, SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.types import ControllerRouterHandler

from adapters.persistence.sql.engine import fill_pool
from entrypoints.consumer import webhook_consumer_lifespan
from entrypoints.event_delivery import event_delivery_lifespan
from entrypoints.fake_gateway_delivery import fake_webhook_delivery_lifespan
from entrypoints.http.customers.controllers import CustomersController, InvoicesController
from entrypoints.http.edge.allow import complete_allow
from entrypoints.http.edge.auth import requires
from entrypoints.http.edge.dependencies import merchant_dependencies
from entrypoints.http.edge.errors import exception_handlers
from entrypoints.http.edge.json_body import LimitedJsonRequest
from entrypoints.http.edge.openapi import StrictBodySchemaPlugin
from entrypoints.http.edge.rate_limits import rate_limit_stores
from entrypoints.http.edge.request_id import RequestIdMiddleware, bind_route_ids
from entrypoints.http.events.controllers import EventsController, WebhookEndpointsController
from entrypoints.http.fake_gateway_pages import fake_gateway_router
from entrypoints.http.health import health
from entrypoints.http.metrics import metrics, prometheus_config
from entrypoints.http.payments.actions import PaymentActionsController
from entrypoints.http.payments.create import PaymentCreationController
from entrypoints.http.payments.queries import (
    OrderPaymentsController,
    PaymentQueriesController,
)
from entrypoints.http.payments.receipts import ReceiptsController
from entrypoints.http.paypage.render import template_config
from entrypoints.http.paypage.router import pay_assets_router, pay_page_router
from entrypoints.http.paypage.safety import add_page_headers
from entrypoints.http.platform.router import platform_router
from entrypoints.http.portal.router import portal_router
from entrypoints.http.portal.tokens import PortalTokensController
from entrypoints.http.webhooks.controllers import WebhooksController
from entrypoints.log_format import configure_logging
from entrypoints.loops_leader import loops_leader_lifespan
from entrypoints.mail_sender import mail_sender_lifespan
from entrypoints.serving_heap import serving_heap

if TYPE_CHECKING:
    from entrypoints.container import Container

API_VERSION = "1.0.0"


def create_app(container: Container) -> Litestar:
    """The HTTP API over `container`; nothing is connected until a request needs it."""
    settings = container.settings()
    # One processor chain for every logger, redaction included: no portal link reaches a line.
    configure_logging(settings.log_level, settings.log_format)
    merchant_api = Router(
        path="/api/v1",
        route_handlers=[
            PaymentCreationController,
            PaymentActionsController,
            PaymentQueriesController,
            OrderPaymentsController,
            ReceiptsController,
            CustomersController,
            InvoicesController,
            PortalTokensController,
            EventsController,
            WebhookEndpointsController,
        ],
        guards=[requires("merchant")],
        dependencies=merchant_dependencies(),
        security=[{"BearerToken": []}],
    )
    portal = portal_router(container.settings())
    handlers: list[ControllerRouterHandler] = [
        merchant_api, platform_router(), health, metrics, WebhooksController, portal,
        pay_page_router(container.settings()), pay_assets_router(),
    ]  # fmt: skip
    if container.settings().gateway == "fake":  # its pages exist only while it is configured
        handlers.append(fake_gateway_router())
    return Litestar(
        route_handlers=handlers,
        state=State({"container": container}),
        request_class=LimitedJsonRequest,
        stores=rate_limit_stores(container.settings()),
        middleware=[RequestIdMiddleware, prometheus_config().middleware],
        exception_handlers=exception_handlers(),
        before_send=[complete_allow, add_page_headers],
        template_config=template_config(),
        openapi_config=_openapi(),
        plugins=[StrictBodySchemaPlugin()],
        # Exit in reverse order: delivery, consumer, then the engines.
        lifespan=[
            _dispose_engine,
            loops_leader_lifespan,
            webhook_consumer_lifespan,
            event_delivery_lifespan,
            mail_sender_lifespan,
            fake_webhook_delivery_lifespan,
            _serving_heap,
        ],
        before_request=bind_route_ids,
        logging_config=None,  # configure_logging above: structlog over the standard library
        debug=False,
    )


def create_app_from_env() -> Litestar:
    """What each worker of `kassa serve --workers N` runs (uvicorn's factory): the settings
    from KASSA_* as `serve` left them, the fake gateway's events sent to where it listens."""
    from dependency_injector import providers

    from entrypoints.container import build_container
    from entrypoints.settings import Settings, local_url

    settings = Settings.from_env()
    container = build_container(settings)
    container.fake_webhook_target.override(
        providers.Object(local_url(settings.host, settings.port))
    )
    return create_app(container)


def _openapi() -> OpenAPIConfig:
    return OpenAPIConfig(
        title="Kassa",
        version=API_VERSION,
        description=(
            "Self-hosted payments backend. Amounts are integers in the currency's minor "
            "unit; errors share one envelope; every merchant POST takes `Idempotency-Key`."
        ),
        path="/schema",
        render_plugins=[ScalarRenderPlugin(path="/"), SwaggerRenderPlugin(path="/swagger")],
        components=Components(
            security_schemes={
                "BearerToken": SecurityScheme(type="http", scheme="bearer", bearer_format="JWT")
            }
        ),
    )


@asynccontextmanager
async def _serving_heap(_app: Litestar) -> AsyncIterator[None]:
    """Once started, until shutdown (`serving_heap`)."""
    with serving_heap():
        yield


@asynccontextmanager
async def _dispose_engine(app: Litestar) -> AsyncIterator[None]:
    """At start, listen for tenant changes (the tenant cache) and open the PostgreSQL pool's
    connections; on shutdown, stop, and close the SQL engine's pooled connections and the
    Stripe client."""
    container = app.state.container
    await container.tenant_config_cache().start()
    if container.settings().store == "sql":
        await fill_pool(container.engine())
    try:
        yield
    finally:
        await container.tenant_config_cache().close()
        settings = container.settings()
        if settings.gateway == "stripe":
            await container.gateway().aclose()
        if settings.store == "sql":
            await container.engine().dispose()
        if settings.gateway == "fake" and settings.fake_gateway_books == "database":
            await container.fake_gateway_engine().dispose()
