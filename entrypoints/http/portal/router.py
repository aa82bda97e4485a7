"""The customer portal's router: `/api/v1/public/payment/{token}/…`, rate-limited per link."""

from __future__ import annotations

from litestar import Router

from entrypoints.http.edge.rate_limits import portal_rate_limits
from entrypoints.http.portal.methods import PortalMethodsController
from entrypoints.http.portal.pay import PortalController
from entrypoints.http.portal.session import portal_dependencies, portal_exception_handlers
from entrypoints.settings import Settings

PORTAL_PATH = "/api/v1/public/payment/{token:str}"


def portal_router(settings: Settings) -> Router:
    """No bearer token here: the link in the path is the credential, checked per request
    after its rate limit (so a guessed link costs the guesser, not the server)."""
    return Router(
        path=PORTAL_PATH,
        route_handlers=[PortalController, PortalMethodsController],
        middleware=portal_rate_limits(settings),
        dependencies=portal_dependencies(),
        exception_handlers=portal_exception_handlers(),
        security=[],
    )
