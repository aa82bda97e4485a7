"""Who a portal request speaks for: the link in its path, checked on every request, and
how the portal's refusals read (one 401 for every bad link)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from litestar import Request, Response
from litestar.di import Provide
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath
from litestar.types import ExceptionHandlersMap

from adapters.observability.metrics import portal_token_checks
from application.portal.authenticate import PortalAuthenticator, PortalSession
from application.portal.view import PortalInvoiceView, ViewPortalInvoice
from domain.invoice import InvoiceNotPayableError, InvoicePaidError
from domain.portal_token import InvalidTokenError
from entrypoints.http.edge.errors import ApiError, render
from entrypoints.http.edge.rate_limits import client_address, failed_check_budget
from entrypoints.http.edge.request_id import request_id_of
from entrypoints.http.payments.resources import ErrorEnvelope
from entrypoints.log_context import bind_log_context

INVALID_LINK = "This payment link is not valid. Ask the merchant for a new one."


T = TypeVar("T")
LinkCheck = Callable[[str, str | None, str | None, str | None], Awaitable[T]]


async def checked_link(request: Request[Any, Any, Any], token: str, check: LinkCheck[T]) -> T:
    """Run `check` (token, ip, user agent, request id), which authenticates the link:
    unknown, malformed, expired and revoked links all raise the same InvalidTokenError,
    after the same bcrypt work, and spend the client address's budget of failed checks;
    over it, 429 before any of that work."""
    result = "rate_limited"  # until the budget lets the check happen
    try:
        async with failed_check_budget(request).checking(client_address(request)):
            result = "failed"
            found = await check(
                token,
                request.client.host if request.client else None,
                request.headers.get("user-agent"),
                request_id_of(request.scope),
            )
            result = "ok"
            return found
    finally:
        portal_token_checks.labels(result).inc()


async def provide_portal_session(
    request: Request[Any, Any, Any], token: FromPath[str]
) -> PortalSession:
    """The `portal_session` dependency (see `checked_link`)."""
    authenticator: PortalAuthenticator = request.app.state.container.portal_authenticator()
    session = await checked_link(request, token, authenticator.authenticate)
    bind_log_context(
        tenant_id=session.tenant_id,
        customer_id=session.customer_id,
        token_id=session.token.id,  # the link's id, never its secret
    )
    return session


async def provide_portal_view(
    request: Request[Any, Any, Any], token: FromPath[str]
) -> PortalInvoiceView:
    """The `portal_view` dependency: the link checked and its invoice read together, a
    warm link in two statements (`ViewPortalInvoice.for_link`)."""
    view: ViewPortalInvoice = request.app.state.container.view_portal_invoice()
    found = await checked_link(request, token, view.for_link)
    invoice = found.invoice
    bind_log_context(
        tenant_id=invoice.tenant_id, customer_id=invoice.customer_id, invoice_id=invoice.id
    )
    return found


def portal_dependencies() -> dict[str, Provide]:
    return {
        "portal_session": Provide(provide_portal_session),
        "portal_view": Provide(provide_portal_view),
    }


def portal_refusal(exc: Exception) -> ApiError | None:
    """How the portal words its own refusals (the JSON API and the payment page alike);
    None for any other exception."""
    if isinstance(exc, InvalidTokenError):
        return ApiError(401, "authentication_error", "invalid_token", INVALID_LINK)
    if isinstance(exc, InvoicePaidError):
        return ApiError(409, "conflict", "invoice_paid", "This invoice is paid.")
    if isinstance(exc, InvoiceNotPayableError):
        return ApiError(409, "conflict", exc.code, exc.message)
    return None


def _portal_refusal(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    return render(request, portal_refusal(exc) or exc)


def portal_exception_handlers() -> ExceptionHandlersMap:
    """The portal's own refusals; everything else renders as anywhere else (§9)."""
    return {
        InvalidTokenError: _portal_refusal,
        InvoicePaidError: _portal_refusal,
        InvoiceNotPayableError: _portal_refusal,
    }


_PORTAL_ERRORS = {
    400: "`invalid_request_error`, e.g. `amount_exceeds_due` (with `param`).",
    401: "`authentication_error` `invalid_token`: unknown, malformed, expired or revoked "
    "links all answer alike.",
    402: "`card_error`: declined; `payment_id` names the failed payment.",
    404: "`not_found`: no such payment, method or open invoice for this customer.",
    409: "`conflict`: `invoice_paid`, the link's invoice is paid (views go on until expiry); "
    "`card_kept_already`, a simultaneous request kept the card, then it was removed.",
    429: "`rate_limit_error`: too many requests with this link, or too many invalid links "
    "from this address; see `Retry-After`.",
    502: "`gateway_error`: the gateway could not be reached.",
}


def portal_responses(*codes: int) -> dict[int, ResponseSpec]:
    """OpenAPI answers of a portal route, in the §9 envelope."""
    return {code: ResponseSpec(ErrorEnvelope, description=_PORTAL_ERRORS[code]) for code in codes}
