"""The payment page's safety: the headers every `/pay` answer carries, and the CSRF check
of its forms.

The link's token is in the URL, so no page may leak it (`Referrer-Policy: no-referrer`),
be framed, or be cached; scripts and styles come from Kassa itself, plus Stripe's origins
only when the Stripe gateway is configured.

A form is accepted only with a field that proves it was served to this browser for this
link: HMAC(key, link ‖ nonce), where the nonce is an HttpOnly, SameSite=Lax cookie set
with the page. Another site can neither read the cookie nor compute the field, and Lax
keeps the cookie off its cross-site POSTs anyway.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from typing import Any

from litestar import Request
from litestar.datastructures import Cookie
from litestar.types import Message, Scope

from entrypoints.http.edge.rate_limits import link_key
from entrypoints.settings import Settings

PAGE_PREFIX = "/pay/"
ASSETS_PATH = "/pay-assets"
CSRF_COOKIE = "kassa_pay_csrf"
CSRF_FIELD = "csrf"
STRIPE_SCRIPT = "https://js.stripe.com"
STRIPE_API = "https://api.stripe.com"
_STRIPE_FRAMES = "https://js.stripe.com https://hooks.stripe.com"


class FormExpiredError(Exception):
    """A POST without a valid CSRF proof: from another site, or a page kept too long."""


def content_security_policy(settings: Settings) -> str:
    script = ["'self'"]
    connect = ["'self'"]
    frame = "'none'"
    if settings.gateway == "stripe":
        script.append(STRIPE_SCRIPT)
        connect.append(STRIPE_API)
        frame = _STRIPE_FRAMES
    return "; ".join(
        (
            "default-src 'none'",
            f"script-src {' '.join(script)}",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            f"connect-src {' '.join(connect)}",
            f"frame-src {frame}",
            "form-action 'self'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
        )
    )


def with_inline_style(policy: str, html: str) -> str:
    """`policy`, also allowing the one inline `<style>` of `html` by its hash (a receipt)."""
    start, end = html.find("<style>"), html.find("</style>")
    if start < 0 or end < start:
        return policy
    digest = hashlib.sha256(html[start + len("<style>") : end].encode()).digest()
    allowed = f"style-src 'self' 'sha256-{base64.b64encode(digest).decode()}'"
    return policy.replace("style-src 'self'", allowed)


def page_headers(settings: Settings) -> list[tuple[bytes, bytes]]:
    return [
        (b"referrer-policy", b"no-referrer"),
        (b"content-security-policy", content_security_policy(settings).encode()),
        (b"x-frame-options", b"DENY"),
        (b"x-content-type-options", b"nosniff"),
        (b"cache-control", b"no-store"),
    ]


def is_page_path(path: str) -> bool:
    return path.startswith(PAGE_PREFIX) or path.startswith(ASSETS_PATH + "/")


async def add_page_headers(message: Message, scope: Scope) -> None:
    """A `before_send` hook: every answer under `/pay/` gets the headers, whatever made it
    (a page, an error page, a rate limit, a static file). A handler's own, narrower CSP
    (a receipt's) is kept."""
    if message["type"] != "http.response.start" or not is_page_path(scope.get("path", "")):
        return
    settings: Settings = scope["app"].state.container.settings()
    headers = list(message.get("headers", []))
    has_policy = any(k.lower() == b"content-security-policy" for k, _ in headers)
    ours = [
        (k, v)
        for k, v in page_headers(settings)
        if not (has_policy and k == b"content-security-policy")
    ]
    names = {name for name, _ in ours}
    message["headers"] = [(k, v) for k, v in headers if k.lower() not in names] + ours


def _key(settings: Settings) -> bytes:
    return hashlib.sha256(b"kassa-pay-csrf\x00" + settings.jwt_secret.encode()).digest()


def _proof(settings: Settings, token: str, nonce: str) -> str:
    message = f"{link_key(token)}:{nonce}".encode()
    return hmac.new(_key(settings), message, hashlib.sha256).hexdigest()


def csrf_for_page(
    request: Request[Any, Any, Any], settings: Settings, token: str
) -> tuple[str, Cookie | None]:
    """The proof a page's forms carry, and the cookie to set when the browser has none."""
    nonce = request.cookies.get(CSRF_COOKIE, "")
    cookie = None
    if not (16 <= len(nonce) <= 64 and nonce.replace("-", "").replace("_", "").isalnum()):
        nonce = secrets.token_urlsafe(24)
        cookie = Cookie(
            key=CSRF_COOKIE,
            value=nonce,
            path="/pay",
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https" or settings.base_url.startswith("https://"),
        )
    return _proof(settings, token, nonce), cookie


def check_csrf(
    request: Request[Any, Any, Any], settings: Settings, token: str, form: dict[str, str]
) -> None:
    nonce = request.cookies.get(CSRF_COOKIE, "")
    sent = form.get(CSRF_FIELD, "")
    if not nonce or not sent or not hmac.compare_digest(sent, _proof(settings, token, nonce)):
        raise FormExpiredError("The form could not be checked.")
