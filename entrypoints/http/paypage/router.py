"""The payment page's router, `/pay/{token}/…`, and its pages for every bad state.

The same link check (`portal_session`), per-link rate limits and failed-check budget as
the §7 JSON API; its refusals are pages instead of envelopes, with the same statuses
(one page for every invalid, expired or revoked link, as the API's one 401)."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, Router
from litestar.di import Provide
from litestar.static_files import create_static_files_router
from litestar.types import ExceptionHandlersMap

from entrypoints.http.edge.errors import as_api_error
from entrypoints.http.edge.rate_limits import portal_rate_limits
from entrypoints.http.paypage.account_pages import AccountPagesController
from entrypoints.http.paypage.invoice_pages import InvoicePagesController
from entrypoints.http.paypage.render import STATIC, page
from entrypoints.http.paypage.safety import ASSETS_PATH, FormExpiredError
from entrypoints.http.paypage.visit import provide_visit
from entrypoints.http.portal.session import portal_dependencies, portal_refusal
from entrypoints.settings import Settings

PAGE_PATH = "/pay/{token:str}"

_TITLES = {
    "invalid_token": "This link does not work",
    "invoice_paid": "This invoice is paid",
    "rate_limited": "Too many requests",
    "form_expired": "Please try again",
    "resource_missing": "Not found",
    "route_not_found": "Not found",
}


def _problem(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """Any refusal as a page: the API's own mapping decides status and wording."""
    if isinstance(exc, FormExpiredError):
        status, code = 403, "form_expired"
        message = "This form was open too long or came from elsewhere. Reload the page."
        headers: dict[str, str] = {}
    else:
        refusal = portal_refusal(exc) or as_api_error(request, exc)
        status, code, message, headers = (
            refusal.status, refusal.code, refusal.message, refusal.headers,
        )  # fmt: skip
    retry_after = headers.get("Retry-After", "")
    valid_link = code not in ("invalid_token", "rate_limited")
    token = str(request.path_params.get("token", "")) if valid_link else None
    return page(
        request,
        "problem.html",
        token=token or None,
        status=status,
        headers={"Retry-After": retry_after} if retry_after else None,
        title=_TITLES.get(code, "Something went wrong" if status >= 500 else "Not possible"),
        code=code,
        message=message,
        retry_after=retry_after,
    )


def page_exception_handlers() -> ExceptionHandlersMap:
    return {Exception: _problem}


def pay_page_router(settings: Settings) -> Router:
    """No bearer token: the link in the path is the credential, as on the JSON API."""
    return Router(
        path=PAGE_PATH,
        route_handlers=[InvoicePagesController, AccountPagesController],
        middleware=portal_rate_limits(settings),
        dependencies={**portal_dependencies(), "visit": Provide(provide_visit)},
        exception_handlers=page_exception_handlers(),
        include_in_schema=False,
        security=[],
    )


def pay_assets_router() -> Router:
    """The page's own CSS and JavaScript, served by Kassa (no CDN, works offline)."""
    return create_static_files_router(
        path=ASSETS_PATH, directories=[STATIC], name="pay_assets", include_in_schema=False
    )
